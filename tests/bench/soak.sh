#!/bin/bash
# soak.sh -- tlsdiag capturing live for a long time while tcpreplay replays
# the benchmark capture onto a veth at a fixed rate (issue 6: "at least 20
# minutes at the highest rate with zero drops", "-W 2 handles a higher
# zero-drop replay rate than -W 1").
#
#   sudo bash tests/bench/soak.sh                  # 20 minutes, -W 1
#   sudo SOAK_WORKERS=2 SOAK_MBPS=600 bash tests/bench/soak.sh
#   sudo SOAK_FIND=1 bash tests/bench/soak.sh      # zero-drop rate search
#
# Soak mode: two private network namespaces joined by a veth pair (MTU 1500,
# offloads off, as tests/bench/gen.sh recorded the capture); tlsdiag runs in
# one, capturing on its end (`-i VETH -W N --json FILE --stats-interval 10`,
# privileges dropped as in production); tcpreplay runs in the other and
# sends tests/bench/work/bench.pcap (made by gen.sh when missing) at
# SOAK_MBPS, looping with --unique-ip so that every loop is new connections,
# for SOAK_SECONDS.  Every SOAK_SAMPLE seconds it records tlsdiag's RSS and
# kernel drop count (tests/bench/work/soak-*.tsv).  Then it stops tlsdiag
# with SIGINT and prints: the rate tcpreplay achieved, packets sent,
# packets tlsdiag received, drops (kernel buffer and interface), the
# connections in the JSON output, and RSS over time with its spread after
# the warm-up (the first SOAK_WARMUP seconds): (max - min) / min.
#
# Find mode (SOAK_FIND=1): for each worker count in SOAK_FIND_WORKERS
# (default "1 2"), replays at each rate of SOAK_RATES (Mbps, ascending) for
# SOAK_FIND_SECONDS (default 30) and prints the highest rate with zero
# drops (a run is stopped at the first rate that drops).
#
# The capture and the load: SOAK_PCAP (default the benchmark capture) and
# SOAK_ARGS (more tlsdiag options).  With SOAK_UNIT=pps, SOAK_MBPS and
# SOAK_RATES are packets per second (tcpreplay --pps) instead of Mbps: for
# a capture of small packets whose cost is per handshake, such as
# tests/bench/certcache.sh's 100,000 handshakes with SOAK_ARGS="--ca-file
# captures/pki/trust.pem --no-cert-cache", where every chain is decoded and
# validated and one core is the limit, not the replay (that capture was
# recorded on loopback: give SOAK_MTU=65535 so that its large frames fit).
#
# Settings: SOAK_SECONDS (1200), SOAK_MBPS (300), SOAK_WORKERS (1),
# SOAK_SAMPLE (10), SOAK_WARMUP (120), SOAK_RATES ("100 200 300 400 500 600
# 800 1000 1200 1500"), SOAK_BUFFER_KIB (tlsdiag -B, default its own),
# TLSDIAG (binary, default ./tlsdiag).  Everything written goes to
# tests/bench/work/ (gitignored).
#
# Must never: send a packet outside its two namespaces, or leave a namespace
# or process behind (the EXIT trap ends what it started, also on failure).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
work=$here/work
pcap=${SOAK_PCAP:-$work/bench.pcap}
UNIT=${SOAK_UNIT:-mbps}
# The veth's MTU: 1500 as the benchmark capture was recorded; a capture
# made on loopback (certcache.sh) holds frames up to 64 KiB.
MTU=${SOAK_MTU:-1500}
EXTRA=${SOAK_ARGS:-}
TLSDIAG=${TLSDIAG:-$top/tlsdiag}
SECONDS_RUN=${SOAK_SECONDS:-1200}
MBPS=${SOAK_MBPS:-300}
WORKERS=${SOAK_WORKERS:-1}
SAMPLE=${SOAK_SAMPLE:-10}
WARMUP=${SOAK_WARMUP:-120}
RATES=${SOAK_RATES:-"100 200 300 400 500 600 800 1000 1200 1500"}
FIND_WORKERS=${SOAK_FIND_WORKERS:-"1 2"}
FIND_SECONDS=${SOAK_FIND_SECONDS:-30}
NS_R=tds-rep-$$
NS_C=tds-cap-$$
VR=tds$$r
VC=tds$$c

die() { echo "soak: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (network namespaces, capture)"
command -v tcpreplay >/dev/null || die "tcpreplay is not installed (apt-get install tcpreplay)"
[ -x "$TLSDIAG" ] || die "$TLSDIAG: not built (make)"
mkdir -p "$work"
[ -f "$pcap" ] || [ -n "${SOAK_PCAP:-}" ] || sh "$here/gen.sh"
[ -f "$pcap" ] || die "$pcap: no such capture"
case $UNIT in mbps | pps) ;; *) die "SOAK_UNIT: mbps or pps" ;; esac

tdpid=""
rppid=""
cleanup() {
	for p in $rppid $tdpid; do kill -KILL "$p" 2>/dev/null || true; done
	ip netns del "$NS_R" 2>/dev/null || true
	ip netns del "$NS_C" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

ip netns add "$NS_R"
ip netns add "$NS_C"
ip link add "$VR" netns "$NS_R" type veth peer name "$VC" netns "$NS_C"
for ns_if in "$NS_R $VR" "$NS_C $VC"; do
	set -- $ns_if
	ip netns exec "$1" ip link set "$2" mtu "$MTU" up
	for f in tso gso gro tx rx; do
		ip netns exec "$1" ethtool -K "$2" $f off >/dev/null 2>&1 || true
	done
done
ip netns exec "$NS_C" ip link set lo up

# The page cache holds the capture before any timing.
cat "$pcap" >/dev/null

# run_one WORKERS MBPS SECONDS TAG: one replay; sets sent, rate_mbps,
# rate_pps, recv, kdrop, idrop, conns, rss_first, rss_min, rss_max.
run_one() {
	local w=$1 mbps=$2 secs=$3 tag=$4 t0 now next rss drops
	local json=$work/soak-$tag.json log=$work/soak-$tag.log
	local tsv=$work/soak-$tag.tsv rlog=$work/soak-$tag.tcpreplay
	local bopt=""

	[ -n "${SOAK_BUFFER_KIB:-}" ] && bopt="-B $SOAK_BUFFER_KIB"
	rm -f "$json"
	# shellcheck disable=SC2086
	ip netns exec "$NS_C" "$TLSDIAG" -W "$w" $bopt $EXTRA -i "$VC" \
	    --json "$json" --stats-interval "$SAMPLE" >"$log.out" 2>"$log" &
	tdpid=$!
	# The capture is open in well under a second; then replay.
	sleep 2
	kill -0 "$tdpid" 2>/dev/null || die "tlsdiag did not start: $(cat "$log")"
	printf 'elapsed_s\trss_kb\tkernel_drops\n' >"$tsv"
	ip netns exec "$NS_R" tcpreplay -i "$VR" --"$UNIT"="$mbps" --loop=0 \
	    --unique-ip --duration="$secs" "$pcap" >"$rlog" 2>&1 &
	rppid=$!
	t0=$(date +%s)
	next=$((t0 + SAMPLE))
	while kill -0 "$rppid" 2>/dev/null; do
		sleep 1
		now=$(date +%s)
		[ "$now" -lt "$next" ] && continue
		next=$((next + SAMPLE))
		rss=$(awk '/^VmRSS/ { print $2 }' /proc/$tdpid/status)
		drops=$(sed -n 's/.* \([0-9]*\) dropped by kernel.*/\1/p' \
		    "$log" | tail -n 1)
		printf '%s\t%s\t%s\n' $((now - t0)) "$rss" "${drops:-0}" >>"$tsv"
	done
	wait "$rppid" || die "tcpreplay failed: $(tail -n 3 "$rlog")"
	rppid=""
	sleep 2 # the last packets reach the socket
	kill -INT "$tdpid"
	wait "$tdpid" || die "tlsdiag exited $?: $(tail -n 3 "$log")"
	tdpid=""
	sent=$(sed -n 's/^Actual: \([0-9]*\) packets.*/\1/p' "$rlog")
	failed=$(sed -n 's/^[[:space:]]*Failed packets:[[:space:]]*\([0-9]*\).*/\1/p' "$rlog")
	[ "${failed:-0}" = 0 ] ||
	    die "tcpreplay could not send $failed packets (frames over the MTU? SOAK_MTU)"
	rate_mbps=$(sed -n 's/^Rated: .*, \([0-9.]*\) Mbps.*/\1/p' "$rlog")
	rate_pps=$(sed -n 's/^Rated: .* Mbps, \([0-9.]*\) pps.*/\1/p' "$rlog")
	read -r recv kdrop idrop < <(sed -n \
	    's/^tlsdiag: \([0-9]*\) received by filter, \([0-9]*\) dropped by kernel, \([0-9]*\) dropped by interface/\1 \2 \3/p' \
	    "$log" | tail -n 1)
	conns=$(grep -c '' "$json" 2>/dev/null || echo 0)
	read -r rss_first rss_min rss_max < <(awk -F'\t' -v w="$WARMUP" \
	    'NR > 1 && $1 >= w { if (f == "") f = $2
		if (mn == "" || $2 < mn) mn = $2; if ($2 > mx) mx = $2 }
	     END { print (f == "" ? 0 : f), (mn == "" ? 0 : mn), mx + 0 }' "$tsv")
}

if [ "${SOAK_FIND:-0}" = 1 ]; then
	echo "soak: zero-drop rate search, $FIND_SECONDS s per rate, capture $pcap"
	printf 'workers\t%s_asked\tmbps_sent\tpps_sent\tsent\treceived\tkernel_drops\n' "$UNIT"
	for w in $FIND_WORKERS; do
		best=0
		for r in $RATES; do
			run_one "$w" "$r" "$FIND_SECONDS" "find-w$w-$r"
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$w" "$r" \
			    "$rate_mbps" "$rate_pps" "$sent" "$recv" "$kdrop"
			[ "$kdrop" = 0 ] || break
			best=$r
		done
		echo "soak: -W $w: highest zero-drop rate $best $UNIT"
	done
	exit 0
fi

echo "soak: -W $WORKERS, $MBPS $UNIT for $SECONDS_RUN s, capture $pcap"
run_one "$WORKERS" "$MBPS" "$SECONDS_RUN" "w$WORKERS-$MBPS"
tsv=$work/soak-w$WORKERS-$MBPS.tsv
echo "soak: RSS (KiB) and kernel drops every $SAMPLE s:"
column -t "$tsv" | sed 's/^/  /'
spread=$(awk -v a="$rss_min" -v b="$rss_max" \
    'BEGIN { if (a > 0) printf "%.1f", 100 * (b - a) / a; else print "n/a" }')
echo "soak: sent $sent packets at $rate_mbps Mbps ($rate_pps pps);" \
    "tlsdiag received $recv, dropped by kernel $kdrop, by interface $idrop;" \
    "$conns TLS connections reported"
echo "soak: RSS after ${WARMUP}s warm-up: min $rss_min KiB, max $rss_max KiB," \
    "spread $spread% (flat: within 10%)"
