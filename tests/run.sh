#!/bin/sh
# run.sh -- run the whole test suite and print one closing tally.
#
#   sh tests/run.sh TLSDIAG_BINARY UNIT_TEST_DIR
#
# Unit tests are the Check binaries in UNIT_TEST_DIR; their "Checks: N,
# Failures: F, Errors: E" lines are added up.  End-to-end tests are the
# scripts tests/e2e/*.sh, run with TLSDIAG set to the binary; they print TAP
# lines ("ok - ..." / "not ok - ...").  The last line is "check: N passed,
# N failed" and the exit status is non-zero if anything failed.
set -u
bin=$1
unitdir=$2
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/tests/out
mkdir -p "$out"
pass=0
fail=0

for t in "$unitdir"/check_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	if "$t" >"$out/$name.log" 2>&1; then st=0; else st=1; fi
	line=$(grep -E '^[0-9]+%: Checks: ' "$out/$name.log" | tail -n 1)
	if [ -z "$line" ]; then
		echo "FAIL $name: no Check summary (crashed?)"
		tail -n 20 "$out/$name.log"
		fail=$((fail + 1))
		continue
	fi
	n=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
	f=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
	e=$(echo "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
	bad=$((f + e))
	pass=$((pass + n - bad))
	fail=$((fail + bad))
	echo "$name: $line"
	if [ "$st" != 0 ] || [ "$bad" != 0 ]; then
		grep -vE '^(Running suite|[0-9]+%: Checks)' "$out/$name.log" | head -n 40
	fi
done

for t in "$top"/tests/e2e/*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	[ "$name" = lib ] && continue # sourced by the others
	TLSDIAG=$bin TOP=$top OUT=$out sh "$t" >"$out/e2e-$name.log" 2>&1
	st=$?
	p=$(grep -c '^ok ' "$out/e2e-$name.log")
	f=$(grep -c '^not ok ' "$out/e2e-$name.log")
	if [ "$st" != 0 ] && [ "$f" = 0 ]; then
		f=1
		echo "FAIL e2e/$name exited $st"
		tail -n 20 "$out/e2e-$name.log"
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	echo "e2e/$name: $p passed, $f failed"
	grep -E '^(not ok|#)' "$out/e2e-$name.log" | head -n 40
done

echo "check: $pass passed, $fail failed"
[ "$fail" = 0 ]
