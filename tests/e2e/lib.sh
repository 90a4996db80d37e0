# lib.sh -- helpers for the end-to-end tests (sourced, POSIX sh).
#
# Each test script prints TAP-like lines: "ok - NAME" or "not ok - NAME",
# with "# ..." lines explaining a failure.  TLSDIAG is the binary to run
# (possibly "valgrind ... ./tlsdiag"), TOP the source tree, OUT a scratch
# directory.  UPDATE=1 rewrites golden files instead of comparing.

: "${TLSDIAG:=./tlsdiag}"
: "${TOP:=$(pwd)}"
: "${OUT:=$TOP/tests/out}"
mkdir -p "$OUT"

ok() { echo "ok - $1"; }
not_ok() { echo "not ok - $1"; shift; for l in "$@"; do echo "# $l"; done; }

# run NAME CMD...: run a command, keep stdout/stderr/status in $OUT/NAME.*
run() {
	_n=$1; shift
	"$@" >"$OUT/$_n.stdout" 2>"$OUT/$_n.stderr"
	echo $? >"$OUT/$_n.status"
}
status_of() { cat "$OUT/$1.status"; }

# expect_fail NAME CODE PATTERN CMD...: exit status CODE and a stderr of
# exactly one line matching the extended regex PATTERN.
expect_fail() {
	_n=$1 _code=$2 _pat=$3; shift 3
	run "$_n" "$@"
	_st=$(status_of "$_n")
	_lines=$(grep -c '' "$OUT/$_n.stderr")
	if [ "$_st" = "$_code" ] && [ "$_lines" = 1 ] &&
	    grep -Eq "$_pat" "$OUT/$_n.stderr"; then
		ok "$_n"
	else
		not_ok "$_n" "status $_st (want $_code), $_lines stderr lines" \
		    "stderr: $(head -c 300 "$OUT/$_n.stderr")"
	fi
}

# golden NAME FILE: compare $OUT/NAME.stdout with FILE (or update it).
golden() {
	if [ "${UPDATE:-0}" = 1 ]; then
		cp "$OUT/$1.stdout" "$2"
		ok "$1 (updated $2)"
	elif diff -u "$2" "$OUT/$1.stdout" >"$OUT/$1.diff"; then
		ok "$1"
	else
		not_ok "$1" "output differs from $2:" "$(head -n 20 "$OUT/$1.diff")"
	fi
}
