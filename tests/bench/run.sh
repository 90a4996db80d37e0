#!/bin/sh
# run.sh -- tlsdiag's throughput and memory against a bare libpcap read loop.
#
#   sh tests/bench/run.sh        (or: make bench)
#
# Environment:
#   BENCH_ROUNDS=5     rounds; each times the floor, then tlsdiag
#   BENCH_FILE=FILE    capture (default tests/bench/work/bench.pcap, made
#                      by tests/bench/gen.sh as root if it is missing)
#   BENCH_CMD='...'    tlsdiag command line, FILE stands for the capture;
#                      default: ./tlsdiag -r FILE --flows > /dev/null
#
# The floor (tests/bench/floor.c) only reads the packets.  Both sides run
# alternately in the same invocation, on the same file, from a warm page
# cache, and the medians are compared, so the ratio holds on a noisy shared
# machine where absolute numbers do not.  Elapsed time is taken with
# nanosecond wall clocks around each run; peak RSS with /usr/bin/time %M.
# See tests/bench/README.md for how to read the result.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
work=$here/work
rounds=${BENCH_ROUNDS:-5}
file=${BENCH_FILE:-$work/bench.pcap}
cmd=${BENCH_CMD:-./tlsdiag -r FILE --flows > /dev/null}

die() {
	echo "bench: $*" >&2
	exit 1
}

case "$rounds" in
'' | *[!0-9]* | 0) die "BENCH_ROUNDS must be a positive integer" ;;
esac
cd "$top"
mkdir -p "$work"

if [ ! -x /usr/bin/time ]; then
	[ "$(id -u)" = 0 ] || die "/usr/bin/time missing; as root: apt-get install time"
	echo "bench: installing time"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null ||
		die "apt-get install time failed"
fi

# The floor is built like any libpcap consumer would build it, -O2.
cc -O2 -o "$work/pcap_floor" "$here/floor.c" \
	$(pkg-config --cflags --libs libpcap) || die "cannot build the floor"

if [ ! -s "$file" ]; then
	[ "$(id -u)" = 0 ] || die "$file missing; generate it as root: sh tests/bench/gen.sh"
	echo "bench: $file missing; generating it (sh tests/bench/gen.sh)"
	BENCH_OUT=$file sh "$here/gen.sh" || die "gen.sh failed"
fi

case "$cmd" in
./tlsdiag*) [ -x ./tlsdiag ] || die "./tlsdiag not built; run make tlsdiag" ;;
esac
# FILE in the command line stands for the capture.
run_cmd=$(printf '%s\n' "$cmd" | sed "s|FILE|$file|g")

bytes=$(stat -L -c %s "$file")
# Warm the page cache so that neither side pays for the first read.
cat "$file" >/dev/null

now_ns() {
	date +%s%N
}

# timed OUT ERR CMD...: run CMD under /usr/bin/time; prints "secs rss_kb".
timed() {
	o=$1 e=$2
	shift 2
	t0=$(now_ns)
	st=0
	/usr/bin/time -f '%e %M' -o "$work/time.out" "$@" >"$o" 2>"$e" || st=$?
	t1=$(now_ns)
	if [ "$st" -ne 0 ]; then
		echo "bench: '$*' exited with status $st; its stderr:" >&2
		tail -n 20 "$e" >&2
		exit 1
	fi
	awk -v d=$((t1 - t0)) '{ printf "%.4f %d\n", d / 1e9, $2 }' \
		"$work/time.out"
}

: >"$work/floor.times"
: >"$work/cmd.times"
echo "bench: file $file, $bytes bytes"
echo "bench: command: $cmd"
printf '%-5s %9s %9s %12s %9s %9s %11s %7s\n' round floor_s floor_MB/s \
	floor_rss_MB cmd_s cmd_MB/s cmd_rss_MB ratio
r=1
while [ $r -le "$rounds" ]; do
	f=$(timed "$work/floor.out" "$work/floor.err" "$work/pcap_floor" "$file")
	c=$(timed /dev/null "$work/cmd.err" sh -c "$run_cmd")
	echo "$f" >>"$work/floor.times"
	echo "$c" >>"$work/cmd.times"
	echo "$r $f $c" | awk -v b="$bytes" '{
		printf "%-5d %9.3f %9.0f %12.1f %9.3f %9.0f %11.1f %7.2f\n",
		    $1, $2, b / 1e6 / $2, $3 / 1024, $4, b / 1e6 / $4,
		    $5 / 1024, $4 / $2 }'
	r=$((r + 1))
done

packets=$(awk '{ for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }' \
	"$work/floor.out")
[ -n "$packets" ] || die "floor printed no packet count"

# median FILE COLUMN
median() {
	awk -v c="$2" '{ print $c }' "$1" | sort -g | awk '
		{ v[NR] = $1 }
		END { if (NR % 2) print v[(NR + 1) / 2];
		      else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

paste -d ' ' "$work/floor.times" "$work/cmd.times" |
	awk '{ print $3 / $1 }' >"$work/ratios"
fs=$(median "$work/floor.times" 1)
frss=$(median "$work/floor.times" 2)
cs=$(median "$work/cmd.times" 1)
crss=$(median "$work/cmd.times" 2)
rr=$(median "$work/ratios" 1)

awk -v b="$bytes" -v p="$packets" -v fs="$fs" -v cs="$cs" -v frss="$frss" \
    -v crss="$crss" -v rr="$rr" -v n="$rounds" 'BEGIN {
	printf "\nbench: %d packets, %.1f MB; medians of %d rounds:\n", p, b / 1e6, n
	printf "  floor    %8.3f s  %8.1f MB/s  %10.0f packets/s  peak RSS %7.1f MB\n",
	    fs, b / 1e6 / fs, p / fs, frss / 1024
	printf "  tlsdiag  %8.3f s  %8.1f MB/s  %10.0f packets/s  peak RSS %7.1f MB\n",
	    cs, b / 1e6 / cs, p / cs, crss / 1024
	printf "  ratio tlsdiag/floor (time): %.2f of medians, %.2f median per round\n",
	    cs / fs, rr
	printf "  tlsdiag runs at %.1f%% of the floor'\''s throughput\n", 100 * fs / cs
}'
if [ -s "$work/cmd.err" ]; then
	echo "bench: stderr of the last run:"
	sed 's/^/  /' "$work/cmd.err" | head -n 10
fi
