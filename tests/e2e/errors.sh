#!/bin/sh
# errors.sh -- bad input gets one clear line on stderr and a non-zero exit;
# trouble inside a capture is counted and skipped.
. "$(dirname "$0")/lib.sh"
T=$TLSDIAG
P=$OUT/pcaps
base=$TOP/captures/demo.pcap
python3 "$TOP/tests/mkpcap.py" "$base" "$P" || { not_ok mkpcap; exit 1; }

# Usage errors exit 2.
run usage-none $T
[ "$(status_of usage-none)" = 2 ] && grep -q '^usage:' "$OUT/usage-none.stderr" &&
	ok usage-none || not_ok usage-none "no arguments should print usage, exit 2"
expect_fail usage-bad-count 2 "^tlsdiag: -c: invalid number 'ten'" $T -c ten -r "$base"
expect_fail usage-bad-snaplen 2 "^tlsdiag: -s: invalid number '-5'" $T -s -5 -r "$base"
expect_fail usage-both 2 "cannot be used together" $T -i lo -r "$base"
# -W: a number of workers, only for a live capture.
expect_fail usage-workers-zero 2 "^tlsdiag: -W: invalid number '0' \\(expected 1\\.\\.64\\)" \
	$T -W 0 -i lo
expect_fail usage-workers-many 2 "^tlsdiag: -W: invalid number '65'" $T -W 65 -i lo
expect_fail usage-workers-file 2 "^tlsdiag: -W needs a live capture \\(-i\\)" \
	$T -W 2 -r "$base"
expect_fail usage-workers-flows 2 "^tlsdiag: -W and --flows cannot be used together" \
	$T -W 2 -i lo --flows
# --max-memory: bytes or K/M/G, at least 8M; anything else is one line, 2.
i=0
for v in abc 10X 1.5M 7M 8388607 -5 '' 0 99999999999999999999G 16MB; do
	i=$((i + 1))
	expect_fail "usage-bad-max-memory-$i" 2 \
	    "^tlsdiag: --max-memory: invalid size '$v' \(expected bytes, or a number with K, M or G; at least 8M\)$" \
	    $T --max-memory "$v" -r "$base"
done
expect_fail usage-max-flows-over-memory 2 \
	"^tlsdiag: --max-flows: its table needs more than a quarter of --max-memory" \
	$T --max-memory 8M --max-flows 1000000 -r "$base"
run max-memory-ok $T --max-memory 8388608 -r "$base" --flows
[ "$(status_of max-memory-ok)" = 0 ] &&
	grep -q '^tlsdiag: memory: budget 8388608 bytes, peak' "$OUT/max-memory-ok.stderr" &&
	ok max-memory-ok || not_ok max-memory-ok "$(cat "$OUT/max-memory-ok.stderr")"

# Files that cannot be read.
expect_fail missing-file 1 "^tlsdiag: $OUT/nonexistent.pcap: No such file or directory$" \
	$T -r "$OUT/nonexistent.pcap"
expect_fail not-a-capture 1 "^tlsdiag: $P/bad-notcapture.pcap: .*(unknown file format|format)" \
	$T -r "$P/bad-notcapture.pcap"
expect_fail empty-file 1 "^tlsdiag: $P/bad-empty.pcap: .*" $T -r "$P/bad-empty.pcap"
expect_fail directory 1 "^tlsdiag: $OUT: " $T -r "$OUT"
expect_fail unsupported-link 1 "^tlsdiag: $P/bad-linktype.pcap: unsupported link type 147" \
	$T -r "$P/bad-linktype.pcap"
expect_fail bad-filter 1 "^tlsdiag: bad filter expression 'port fourfourthree'" \
	$T -r "$base" port fourfourthree
# The second file is checked before the first is read.
expect_fail missing-second-file 1 "nonexistent2.pcap: No such file" \
	$T -r "$base" -r "$OUT/nonexistent2.pcap"

# A file that the current user may not read (as root: run as nobody).
cp "$base" "$OUT/unreadable.pcap"
chmod 000 "$OUT/unreadable.pcap"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	expect_fail unreadable-file 1 "unreadable.pcap: Permission denied" \
		setpriv --reuid=65534 --regid=65534 --clear-groups $T -r "$OUT/unreadable.pcap"
else
	expect_fail unreadable-file 1 "unreadable.pcap: Permission denied" \
		$T -r "$OUT/unreadable.pcap"
fi
rm -f "$OUT/unreadable.pcap"

# A truncated capture: the flows read before the cut are still reported,
# then one line names the problem, exit 1.
run truncated $T -r "$P/bad-truncated.pcap" --flows
if [ "$(status_of truncated)" = 1 ] &&
    grep -q "^tlsdiag: $P/bad-truncated.pcap: truncated dump file" "$OUT/truncated.stderr" &&
    [ -s "$OUT/truncated.stdout" ]; then
	ok truncated
else
	not_ok truncated "status $(status_of truncated)" "$(head -c 300 "$OUT/truncated.stderr")"
fi

# Inside a capture: packets cut by the snaplen and frames under a lying
# link type are counted and skipped, exit 0.
run snaplen $T -r "$P/bad-snaplen.pcap" --flows
[ "$(status_of snaplen)" = 0 ] && grep -q "packets cut by the snaplen" "$OUT/snaplen.stderr" &&
	grep -q "gap-bytes" "$OUT/snaplen.stdout" &&
	ok snaplen-counted || not_ok snaplen-counted "$(cat "$OUT/snaplen.stderr")"
run lying $T -r "$P/bad-lying-linktype.pcap" --flows
[ "$(status_of lying)" = 0 ] && grep -Eq "[0-9]+ (malformed|not_ip)" "$OUT/lying.stderr" &&
	ok lying-linktype-counted || not_ok lying-linktype-counted "$(cat "$OUT/lying.stderr")"

# Live capture errors.
expect_fail no-such-iface 1 "^tlsdiag: nosuchif0: no such interface" $T -i nosuchif0
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	expect_fail no-permission 1 "^tlsdiag: lo: permission denied: capturing needs root or CAP_NET_RAW" \
		setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all $T -i lo
fi
if [ "$(id -u)" = 0 ] && command -v ip >/dev/null; then
	# A veth pair is created down; deleting one end deletes both.
	if ip link add tdtest0 type veth peer name tdtest1 2>/dev/null; then
		expect_fail iface-down 1 "^tlsdiag: tdtest0: interface is down" $T -i tdtest0
		ip link del tdtest0
	else
		not_ok iface-down "cannot create a veth pair to test with"
	fi
fi
