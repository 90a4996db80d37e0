#!/bin/sh
# capture.sh -- every link type and file format gives the same connections;
# several -r files are one timeline; stdin, -c and filters work.
. "$(dirname "$0")/lib.sh"
T=$TLSDIAG
P=$OUT/pcaps
base=$TOP/captures/demo.pcap
python3 "$TOP/tests/mkpcap.py" "$base" "$P" || { not_ok mkpcap; exit 1; }

# Frame lengths differ between link types; everything else must not.
strip_bytes() { sed -E 's/ [0-9]+ bytes / /g' "$1"; }

run base $T -r "$base" --flows
strip_bytes "$OUT/base.stdout" >"$OUT/base.nobytes"
[ -s "$OUT/base.nobytes" ] && ok base-has-flows || not_ok base-has-flows

for f in "$P"/link-*.pcap "$P"/format-*; do
	n=$(basename "$f")
	run "$n" $T -r "$f" --flows
	strip_bytes "$OUT/$n.stdout" >"$OUT/$n.nobytes"
	if [ "$(status_of "$n")" = 0 ] && diff -u "$OUT/base.nobytes" "$OUT/$n.nobytes" >"$OUT/$n.diff"; then
		ok "same-flows $n"
	else
		not_ok "same-flows $n" "status $(status_of "$n")" "$(head -n 10 "$OUT/$n.diff")" \
			"$(head -c 300 "$OUT/$n.stderr")"
	fi
done

# Formats that keep the frames keep the byte counts too.
for n in format-pcapng.pcapng format-nsec.pcap format-swapped.pcap; do
	diff -q "$OUT/base.stdout" "$OUT/$n.stdout" >/dev/null &&
		ok "same-bytes $n" || not_ok "same-bytes $n"
done

# Standard input.
run stdin sh -c "cat '$base' | $T -r - --flows"
diff -q "$OUT/base.stdout" "$OUT/stdin.stdout" >/dev/null && ok stdin || not_ok stdin

# Two files are one timeline: every packet of both is read, in order.
run twice $T -r "$base" -r "$P/format-pcapng.pcapng" --flows
n1=$(sed -nE 's/^tlsdiag: ([0-9]+) packets.*/\1/p' "$OUT/base.stderr")
n2=$(sed -nE 's/^tlsdiag: ([0-9]+) packets.*/\1/p' "$OUT/twice.stderr")
[ "$(status_of twice)" = 0 ] && [ -n "$n1" ] && [ "$n2" = $((n1 * 2)) ] &&
	ok two-files || not_ok two-files "$n1 then $n2 packets"
run twice-stdin sh -c "cat '$base' | $T -r '$base' -r - --flows"
diff -q "$OUT/twice.stdout" "$OUT/twice-stdin.stdout" >/dev/null && ok two-files-stdin || not_ok two-files-stdin

# -c COUNT stops after COUNT packets.
run count $T -r "$base" -c 3
grep -q '^tlsdiag: 3 packets' "$OUT/count.stderr" && ok count || not_ok count "$(cat "$OUT/count.stderr")"

# A filter that matches nothing gives no flows; one that matches a port
# keeps only those connections.
run nothing $T -r "$base" --flows udp
[ "$(status_of nothing)" = 0 ] && [ ! -s "$OUT/nothing.stdout" ] && ok filter-nothing || not_ok filter-nothing
port=$(head -n 1 "$OUT/base.stdout" | sed -E 's/^[^ ]+ [^ ]+ > [^ ]+:([0-9]+) .*/\1/')
run port $T -r "$base" --flows tcp port "$port"
grep -q ":$port c2s" "$OUT/port.stdout" && ! grep -vq ":$port c2s" "$OUT/port.stdout" &&
	ok filter-port || not_ok filter-port "port $port"

# Golden output of --flows for the shipped captures.
for f in "$TOP"/captures/*.pcap; do
	n=$(basename "$f" .pcap)
	exp=$TOP/tests/expected/$n.flows
	[ -f "$exp" ] || [ "${UPDATE:-0}" = 1 ] || continue
	run "flows-$n" $T -r "$f" --flows
	golden "flows-$n" "$exp"
done
