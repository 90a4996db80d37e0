# shellcheck shell=bash
# shellcheck disable=SC2154 # pids, tmp, cleanup_files, td: the caller's
# lib.sh -- what the recording benchmarks (certcache.sh, keylog.sh) share:
# a server and tcpdump on the loopback of a private network namespace, and
# their cleanup.  Sourced by bash scripts, which define die() and, before
# starting anything, set `pids=()`, `tmp` (their scratch directory) and
# `cleanup_files=()` (partial outputs to remove on exit), then call
# `trap bench_cleanup EXIT`.
#
# Must never: leave a process behind, or remove anything but $tmp and the
# files listed in cleanup_files.

# bench_cleanup: kill what was started, remove the scratch files.
# shellcheck disable=SC2317
bench_cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	rm -rf "$tmp"
	for p in "${cleanup_files[@]}"; do
		rm -f "$p"
	done
}

# bench_lo_up: loopback up, with an Ethernet-sized MTU so that a server's
# flight spans several segments as on a real network.
bench_lo_up() {
	ip link set lo up
	ip link set lo mtu 1500
}

# bench_wait_listen PORT WHAT: wait until something listens on TCP PORT.
bench_wait_listen() {
	local _
	for _ in $(seq 100); do
		[ -n "$(ss -Hltn "sport = :$1")" ] && return 0
		sleep 0.05
	done
	die "$2 did not start"
}

# bench_tcpdump_start OUT FILTER [TCPDUMP_ARGS...]: tcpdump on lo writing
# OUT, ready before it returns; its pid is left in td.
bench_tcpdump_start() {
	local out=$1 filter=$2 _
	shift 2
	tcpdump -i lo -s 0 -U --immediate-mode -Z root "$@" -w "$out" \
	    "$filter" >"$tmp/tcpdump.log" 2>&1 &
	td=$!
	pids+=("$td")
	for _ in $(seq 200); do
		grep -qs 'listening on' "$tmp/tcpdump.log" && return 0
		sleep 0.05
	done
	die "tcpdump did not start"
}

# bench_tcpdump_stop SECONDS: let the last packets pass for SECONDS, stop
# tcpdump, and fail if it dropped any.
bench_tcpdump_stop() {
	sleep "$1"
	kill -INT "$td"
	wait "$td" 2>/dev/null || true
	grep -q '^0 packets dropped by kernel' "$tmp/tcpdump.log" ||
	    die "tcpdump lost packets: $(cat "$tmp/tcpdump.log")"
}
