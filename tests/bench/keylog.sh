#!/bin/bash
# keylog.sh -- what decryption with a key log costs: handshakes per second
# of `tlsdiag -r FILE --json /dev/null` with and without `--keylog`, for
# TLS 1.3, TLS 1.2 with an AEAD suite and TLS 1.2 with a CBC one (tls12cbc:
# ECDHE-RSA-AES128-SHA, encrypt_then_mac as OpenSSL agrees to it) (issue 8).
#
#   sudo bash tests/bench/keylog.sh        (or: make bench-keylog)
#
# 1. Records real handshakes on loopback, in a private network namespace,
#    once per version: openssl s_server on 127.0.0.2 with the test PKI's
#    good leaf and intermediate, writing every connection's secrets to a
#    key log (-keylogfile: the same NSS format as SSLKEYLOGFILE), and a
#    Python ssl client from 127.0.0.1 making new full handshakes in a loop
#    for KEYLOG_BENCH_SECS seconds (each: handshake, close_notify, close;
#    no application data); tcpdump -s 0 on lo.  Every connection has
#    its own ClientHello random and its own line(s) in the key log, so the
#    key store holds as many entries as the capture has handshakes.
# 2. Checks each recording: every connection established in the version
#    asked for; with the key log, every one decrypted (TLS 1.3: the
#    server's certificates are read from the decrypted flight; TLS 1.2: the
#    client's close_notify, sent after its ChangeCipherSpec, is read).
# 3. Times, KEYLOG_BENCH_ROUNDS rounds (default 5), each round in turn: the
#    libpcap floor (tests/bench/floor.c), `tlsdiag -r FILE --json
#    /dev/null` and the same with `--keylog KEYLOG`, per version, and prints
#    the medians, handshakes per second and the decryption cost per
#    handshake.
#
# Settings: KEYLOG_BENCH_SECS (recording time per version, default 90),
# KEYLOG_BENCH_ROUNDS, TLSDIAG (binary, default ./tlsdiag).  Everything it
# writes goes to tests/bench/work/keylog-* (the recordings and key logs are
# kept and reused: delete them to re-record).
#
# Must never: send a packet off loopback (private namespace), leave a process
# behind (the EXIT trap kills what it started), or write outside
# tests/bench/work/ except its temporary directory.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
work=$here/work
pki=$top/captures/pki
SECS=${KEYLOG_BENCH_SECS:-90}
ROUNDS=${KEYLOG_BENCH_ROUNDS:-5}
TLSDIAG=${TLSDIAG:-$top/tlsdiag}
PORT=24434

die() {
	echo "keylog.sh: $*" >&2
	exit 1
}
# shellcheck source=tests/bench/lib.sh
. "$here/lib.sh"

case "$ROUNDS$SECS" in
*[!0-9]*) die "KEYLOG_BENCH_ROUNDS and KEYLOG_BENCH_SECS must be integers" ;;
esac
if [ "$ROUNDS" -eq 0 ] || [ "$SECS" -eq 0 ]; then
	die "rounds and seconds must be > 0"
fi

# --- 1. record -----------------------------------------------------------

# record VER (run inside the namespace): server, tcpdump, the client for SECS.
record() {
	local ver=$1 sopt rc=0
	# Globals, like pids and tmp: the EXIT trap reads them after record()
	# has returned.
	pcap=$work/keylog-$1.pcap
	keys=$work/keylog-$1.keylog
	case $ver in
	tls13) sopt=(-tls1_3) ;;
	tls12) sopt=(-no_tls1_3) ;;
	tls12cbc) sopt=(-no_tls1_3 -cipher ECDHE-RSA-AES128-SHA) ;;
	*) die "record: unknown version $ver" ;;
	esac
	pids=()
	cleanup_files=("$pcap.part" "$keys.part")
	tmp=$(mktemp -d /tmp/tlsdiag-keylog-bench.XXXXXX)
	trap bench_cleanup EXIT
	bench_lo_up
	# -rev: a server that needs no input of its own; the client sends no
	# data, so it only does handshakes and answers close_notify.
	openssl s_server -accept "127.0.0.2:$PORT" "${sopt[@]}" \
	    -cert "$pki/good.crt" -key "$pki/good.key" \
	    -cert_chain "$pki/inter.crt" -keylogfile "$keys.part" -rev \
	    -quiet >"$tmp/server.log" 2>&1 </dev/null &
	pids+=("$!")
	bench_wait_listen "$PORT" s_server
	bench_tcpdump_start "$pcap.part" "tcp port $PORT" -B 65536
	python3 -c "$client" "$ver" 127.0.0.2 "$PORT" "$SECS" \
	    >"$tmp/client.log" 2>&1 </dev/null || rc=$?
	bench_tcpdump_stop 0.5
	[ "$rc" = 0 ] || die "client failed (exit $rc): $(tail -n 20 "$tmp/client.log")"
	mv "$pcap.part" "$pcap"
	mv "$keys.part" "$keys"
	sed 's/^/keylog.sh: client: /' "$tmp/client.log"
}

# The client: new full handshakes in a loop for SECS seconds, each one
# connect, handshake (no session resumption, no certificate check: the
# server's work and the capture are what matter), close_notify, close.
# Python's ssl module is one process for all of them (a process per
# handshake would make far fewer).  Its close_notify is the first record a
# TLS 1.2 client sends after its Finished, so reading it proves that the key
# log decrypted the connection.
client='
import socket, ssl, sys, time
ver, host, port, secs = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
v = ssl.TLSVersion.TLSv1_3 if ver == "tls13" else ssl.TLSVersion.TLSv1_2
ctx.minimum_version = ctx.maximum_version = v
if ver == "tls12cbc":
    ctx.set_ciphers("ECDHE-RSA-AES128-SHA")
n, end = 0, time.monotonic() + secs
while time.monotonic() < end:
    with ctx.wrap_socket(socket.create_connection((host, port))) as s:
        try:
            s.unwrap().close()
        except (ssl.SSLError, OSError):
            pass
    n += 1
print(n, "handshakes in", secs, "s")
'


if [ "${1:-}" = --record-inside ]; then
	record "$2"
	exit 0
fi

[ -x "$TLSDIAG" ] || die "no $TLSDIAG (make tlsdiag first)"
case $("$TLSDIAG" --help 2>&1 || true) in
*--keylog*) ;;
*) die "$TLSDIAG has no --keylog option" ;;
esac
mkdir -p "$work"

for v in tls13 tls12 tls12cbc; do
	if [ ! -s "$work/keylog-$v.pcap" ] || [ ! -s "$work/keylog-$v.keylog" ]; then
		[ "$(id -u)" = 0 ] || die "run as root to record the handshakes"
		echo "keylog.sh: recording $v handshakes for $SECS s"
		unshare --net -- bash "$0" --record-inside "$v"
	fi
done

# --- 2. check the recordings ---------------------------------------------

declare -A hs
for v in tls13 tls12 tls12cbc; do
	pcap=$work/keylog-$v.pcap
	keys=$work/keylog-$v.keylog
	want=TLSv1.3
	[ $v != tls13 ] && want=TLSv1.2
	# Without keys: every connection an established handshake of $want.
	"$TLSDIAG" -r "$pcap" --json - 2>/dev/null | jq -s -r --arg v "$want" '
	    [length, ([.[] | select(.result == "established" and
		.tls.version == $v)] | length)] | @tsv' >"$work/keylog-$v.count"
	read -r n est <"$work/keylog-$v.count"
	if [ "$n" -eq 0 ] || [ "$n" != "$est" ]; then
		die "$pcap: $n connections, $est established $want"
	fi
	# With keys: every one decrypted.
	if [ $v = tls13 ]; then
		q='select(.tls.server_certificates[0].decrypted == true)'
	else
		q='select(any(.tls.alerts[]?; .decrypted == true and
		    .description == "close_notify"))'
	fi
	dec=$("$TLSDIAG" -r "$pcap" --keylog "$keys" --json - 2>/dev/null |
	    jq -c "$q" | wc -l)
	[ "$dec" = "$n" ] || die "$pcap: $dec of $n connections decrypted"
	hs[$v]=$n
	echo "keylog.sh: $pcap: $n $want handshakes, all decrypted with" \
	    "$(basename "$keys") ($(grep -c '^[A-Z]' "$keys") secrets)"
done

# --- 3. time -------------------------------------------------------------

# shellcheck disable=SC2046 # pkg-config prints several words
cc -O2 -o "$work/pcap_floor" "$here/floor.c" \
    $(pkg-config --cflags --libs libpcap) || die "cannot build the floor"

# run_once CMD...: wall-clock seconds of one run (start-up included).
run_once() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null 2>"$work/keylog-bench.stderr" ||
	    die "$* failed: $(tail -n 3 "$work/keylog-bench.stderr")"
	t1=$(date +%s%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", (b - a) / 1e9 }'
}

median() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR % 2) print v[(NR + 1) / 2];
		else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# The same file header and no packet: what start-up costs (loading the
# system's CA bundle, mostly), to be told apart from per-handshake work.
empty=$work/keylog-empty.pcap
head -c 24 "$work/keylog-tls13.pcap" >"$empty"
for v in tls13 tls12 tls12cbc; do
	cat "$work/keylog-$v.pcap" "$work/keylog-$v.keylog" >/dev/null
done
times=$work/keylog-bench.times
: >"$times"
printf '%-5s %-5s %9s %9s %9s %9s\n' round ver floor_s startup_s nokey_s key_s
for r in $(seq "$ROUNDS"); do
	for v in tls13 tls12 tls12cbc; do
		pcap=$work/keylog-$v.pcap
		f=$(run_once "$work/pcap_floor" "$pcap")
		z=$(run_once "$TLSDIAG" -r "$empty" --json /dev/null)
		a=$(run_once "$TLSDIAG" -r "$pcap" --json /dev/null)
		b=$(run_once "$TLSDIAG" -r "$pcap" --json /dev/null \
		    --keylog "$work/keylog-$v.keylog")
		echo "$v $f $a $b $z" >>"$times"
		printf '%-5s %-5s %9s %9s %9s %9s\n' "$r" "$v" "$f" "$z" "$a" "$b"
	done
done

echo
echo "keylog.sh: medians of $ROUNDS rounds (tlsdiag -r FILE --json /dev/null):"
printf '%-6s %6s %7s %7s %7s %7s %9s %9s %9s %9s %7s %7s %8s %8s\n' ver hs \
    floor_s start_s nokey_s key_s nokey_hs/s key_hs/s nokey_net key_net \
    nokey/fl key/fl dec_us/hs per_round
for v in tls13 tls12 tls12cbc; do
	f=$(awk -v v=$v '$1 == v { print $2 }' "$times" | median)
	a=$(awk -v v=$v '$1 == v { print $3 }' "$times" | median)
	b=$(awk -v v=$v '$1 == v { print $4 }' "$times" | median)
	z=$(awk -v v=$v '$1 == v { print $5 }' "$times" | median)
	d=$(awk -v v=$v -v n="${hs[$v]}" '$1 == v { print ($4 - $3) / n * 1e6 }' \
	    "$times" | median)
	awk -v v=$v -v n="${hs[$v]}" -v f="$f" -v a="$a" -v b="$b" -v z="$z" \
	    -v d="$d" '
	    function rate(t) { return t > z ? n / (t - z) : 0 }
	    BEGIN {
		printf "%-6s %6d %7.3f %7.3f %7.3f %7.3f %9.0f %9.0f %9.0f %9.0f %7.1f %7.1f %8.1f %8.1f\n",
		    v, n, f, z, a, b, n / a, n / b, rate(a), rate(b),
		    a / f, b / f, (b - a) / n * 1e6, d }'
done
cat <<'EOF'
(hs: handshakes in the capture; *_s: median seconds, start-up included;
 start_s: tlsdiag on a capture with no packet; *_hs/s: hs over the median
 time; *_net: hs over (median time - start_s), the rate of a long capture;
 x/fl: time over the floor's; dec_us/hs: extra microseconds per handshake
 with --keylog, key log loading included, from the medians; per_round: the
 median of each round's own difference, steadier when noise comes in
 bursts: if the two disagree much, run more rounds)
EOF
