#!/bin/bash
# certcache.sh -- how much the certificate cache saves on 100,000 handshakes
# to one server (issue 4: "at least 10x faster than with --no-cert-cache").
#
#   sudo bash tests/bench/certcache.sh        (needs ./tlsdiag built)
#
# 1. Records ONE real TLS 1.2 handshake on loopback, in a private network
#    namespace: openssl s_server on 127.0.0.2 with the test PKI's good leaf
#    and intermediate, openssl s_client from 127.0.0.1 (SNI and host name
#    good.test.tlsdiag, trusting captures/pki/trust.pem), no application
#    data; tcpdump -s 0 on lo.
# 2. Writes it out 100,000 times with tests/bench/replicate.c: copy k has its
#    timestamps shifted by k x (span + 1 s) and the client address raised by
#    k x 256 (the server's, 127.0.0.2, stays), so the file holds 100,000
#    distinct connections that all present the same chain, over about 28
#    hours of capture time (the validation cache is keyed by the hour).
# 3. Times tlsdiag on it in two output modes, each with and without
#    --no-cert-cache:
#      text: `tlsdiag -r FILE --ca-file captures/pki/trust.pem > /dev/null`
#            (the text report; established handshakes are not printed);
#      json: the same with `--json /dev/null` (every connection's JSON
#            object, certificates and validation included, and no text).
#    CERTCACHE_ROUNDS rounds (default 3); each round runs the four in turn
#    (text cached, text uncached, json cached, json uncached), so a busy
#    spell of the machine slows both sides of a ratio.  It prints each
#    round's times, then per mode both medians and their ratio.
#
# Settings: CERTCACHE_N (handshakes, default 100000), CERTCACHE_ROUNDS,
# CERTCACHE_MODES (default "text json"; either alone to time one),
# TLSDIAG (binary, default ./tlsdiag).  Everything it writes goes to
# tests/bench/work/ (gitignored); the recording and the big capture are
# kept and reused (delete them to re-record).
#
# Must never: send a packet off loopback (private namespace), leave a process
# behind (the EXIT trap kills what it started), or write outside
# tests/bench/work/ except its temporary directory.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
work=$here/work
pki=$top/captures/pki
N=${CERTCACHE_N:-100000}
ROUNDS=${CERTCACHE_ROUNDS:-3}
MODES=${CERTCACHE_MODES:-text json}
TLSDIAG=${TLSDIAG:-$top/tlsdiag}
one=$work/certcache-1.pcap
big=$work/certcache-$N.pcap
PORT=24433

die() {
	echo "certcache.sh: $*" >&2
	exit 1
}
# shellcheck source=tests/bench/lib.sh
. "$here/lib.sh"

[ -x "$TLSDIAG" ] || die "no $TLSDIAG (make tlsdiag first)"
help=$("$TLSDIAG" --help 2>&1 || true)
case $help in
*--no-cert-cache*) ;;
*) die "$TLSDIAG has no --no-cert-cache option" ;;
esac
mkdir -p "$work"

# --- 1. one real handshake ---------------------------------------------------

# record (run inside the namespace): server, tcpdump, one client.
record() {
	local rc=0
	# Globals: the EXIT trap reads them after record() has returned.
	pids=()
	cleanup_files=("$one.part")
	tmp=$(mktemp -d /tmp/tlsdiag-certcache.XXXXXX)
	trap bench_cleanup EXIT
	bench_lo_up
	openssl s_server -accept "127.0.0.2:$PORT" -naccept 1 -no_tls1_3 \
	    -cert "$pki/good.crt" -key "$pki/good.key" \
	    -cert_chain "$pki/inter.crt" -WWW >"$tmp/server.log" 2>&1 </dev/null &
	pids+=("$!")
	bench_wait_listen "$PORT" s_server
	bench_tcpdump_start "$one.part" "tcp port $PORT"
	timeout 10 openssl s_client -connect "127.0.0.2:$PORT" \
	    -servername good.test.tlsdiag -verify_hostname good.test.tlsdiag \
	    -CAfile "$pki/trust.pem" -verify_return_error \
	    </dev/null >"$tmp/client.log" 2>&1 || rc=$?
	bench_tcpdump_stop 0.4
	[ "$rc" = 0 ] || die "s_client failed (exit $rc): $(grep -v "^ \{0,1\}[0-9a-f]\{4\} - " "$tmp/client.log" | head -n 40)"
	mv "$one.part" "$one"
}

if [ "${1:-}" = --record-inside ]; then
	record
	exit 0
fi

if [ ! -s "$one" ]; then
	[ "$(id -u)" = 0 ] || die "run as root to record the handshake"
	unshare --net -- bash "$0" --record-inside
	echo "certcache.sh: recorded one handshake: $one"
fi
# The recording must be one established TLS 1.2 connection that shows the
# server's chain.
"$TLSDIAG" -r "$one" --ca-file "$pki/trust.pem" --json - 2>/dev/null |
    jq -e -s 'length == 1 and .[0].result == "established" and
	.[0].tls.version == "TLSv1.2" and
	(.[0].tls.server_certificates | length) == 2 and
	.[0].tls.validation.status == "ok"' >/dev/null ||
    die "$one is not one established TLS 1.2 handshake with a valid chain"

# --- 2. replicate ------------------------------------------------------------

if [ ! -s "$big" ]; then
	cc -O2 -o "$work/replicate" "$here/replicate.c" ||
	    die "cannot build replicate"
	size=$(stat -c %s "$one")
	# replicate writes ceil((TARGET - 24) / (size - 24)) copies.
	"$work/replicate" "$one" "$big.tmp" $((24 + N * (size - 24))) 127.0.0.2
	mv "$big.tmp" "$big"
fi
conns=$("$TLSDIAG" -r "$big" --flows 2>/dev/null | wc -l)
[ "$conns" = "$N" ] || die "$big holds $conns connections, want $N"

# --- 3. time ---------------------------------------------------------------

# run_once MODE ARGS...: wall-clock seconds of one tlsdiag run.
run_once() {
	local mode=$1 t0 t1
	shift
	case $mode in
	text) ;;
	json) set -- --json /dev/null "$@" ;;
	*) die "unknown mode $mode (text or json)" ;;
	esac
	t0=$(date +%s%N)
	"$TLSDIAG" -r "$big" --ca-file "$pki/trust.pem" "$@" \
	    >/dev/null 2>"$work/certcache.stderr" || die "tlsdiag $* failed: $(tail -n 3 "$work/certcache.stderr")"
	t1=$(date +%s%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) / 1e9 }'
}

median() {
	sort -n | awk '{ v[NR] = $1 } END {
		if (NR % 2) print v[(NR + 1) / 2];
		else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

cat "$big" >/dev/null # into the page cache
echo "certcache.sh: $big: $N handshakes, $(stat -c %s "$big") bytes"
echo "certcache.sh: $TLSDIAG; modes: $MODES; $ROUNDS rounds"
printf '%-6s %-5s %12s %12s\n' round mode cache_s no_cache_s
declare -A with without
for r in $(seq "$ROUNDS"); do
	for m in $MODES; do
		a=$(run_once "$m")
		b=$(run_once "$m" --no-cert-cache)
		with[$m]+="$a "
		without[$m]+="$b "
		printf '%-6s %-5s %12s %12s\n' "$r" "$m" "$a" "$b"
	done
done
for m in $MODES; do
	# shellcheck disable=SC2086
	mw=$(printf '%s\n' ${with[$m]} | median)
	# shellcheck disable=SC2086
	mo=$(printf '%s\n' ${without[$m]} | median)
	echo "$m: median with cache:           $mw s"
	echo "$m: median with --no-cert-cache: $mo s"
	awk -v m="$m" -v a="$mo" -v b="$mw" \
	    'BEGIN { printf "%s: ratio (no-cache / cache):    %.1fx\n", m, a / b }'
done
