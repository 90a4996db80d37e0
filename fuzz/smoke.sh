#!/bin/sh
# smoke.sh -- run each fuzz target for a while on its seeds; fail on any
# crash, leak, timeout or memory blow-up.  Called by `make fuzz-smoke`.
#
#   sh fuzz/smoke.sh BUILDDIR SECONDS NAME...
#
# BUILDDIR holds fuzz_NAME and corpus/NAME (fuzz/seeds.sh).  Each target
# runs on a scratch copy of its seeds in BUILDDIR/smoke/NAME, so the seeds
# stay as generated; an input that fails is left there as crash-*, leak-*,
# timeout-* or oom-*.  One summary line per target is printed from
# libFuzzer's final statistics (-print_final_stats) and its last status line
# ("cov: N ft: N").  It writes nothing outside BUILDDIR/smoke.
set -u
b=${1:?usage: sh fuzz/smoke.sh BUILDDIR SECONDS NAME...}
secs=${2:?}
shift 2
top=$(cd "$(dirname "$0")/.." && pwd)
fail=0

for name in "$@"; do
	bin=$b/fuzz_$name
	work=$b/smoke/$name
	log=$b/smoke/$name.log
	rm -rf "$work"
	mkdir -p "$work/corpus"
	cp "$b/corpus/$name/"* "$work/corpus/" 2>/dev/null
	# fuzz_decode reads frames, where the TLS dictionary would only get
	# in the way.
	dict=""
	[ "$name" = decode ] || dict="-dict=$top/fuzz/tls.dict"
	# -timeout: seconds one input may take; -rss_limit_mb: the process's
	# whole RSS; leaks are found by LeakSanitizer after each input.
	# -max_len: room for a whole handshake flight or a small capture.
	"$bin" $dict -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
		-max_len=65536 -print_final_stats=1 \
		-artifact_prefix="$work/" "$work/corpus" >"$log" 2>&1
	st=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1 |
		sed -E 's/.*cov: ([0-9]+) ft: ([0-9]+).*/cov \1 ft \2/')
	if [ "$st" = 0 ]; then
		echo "fuzz-smoke: $name ok: ${execs:-?} execs," \
			"${rate:-?} exec/s, ${cov:-cov ? ft ?}"
	else
		fail=1
		echo "fuzz-smoke: $name FAILED (exit $st) after" \
			"${execs:-?} execs, ${cov:-cov ? ft ?}"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz_[a-z_]+:|    #[0-9] )' \
			"$log" | head -n 30
		ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* \
			"$work"/oom-* 2>/dev/null | sed 's/^/  input: /'
		echo "  full log: $log"
	fi
done
exit $fail
