#!/bin/sh
# tls.sh -- the TLS report on every shipped capture: JSON lines that parse,
# equal their golden copies, and agree with tshark; the text report of the
# demo capture.
. "$(dirname "$0")/lib.sh"
# The test PKI's root is the only trust anchor, so that results do not
# depend on the machine's CA bundle.
T="$TLSDIAG --ca-file $TOP/captures/pki/trust.pem"

for f in "$TOP"/captures/*.pcap; do
	n=$(basename "$f" .pcap)
	exp=$TOP/tests/expected/$n.json
	run "json-$n" $T -r "$f" --json -
	if [ "$(status_of "json-$n")" != 0 ]; then
		not_ok "json-$n" "exit $(status_of "json-$n")" "$(head -c 300 "$OUT/json-$n.stderr")"
		continue
	fi
	if ! jq -e . "$OUT/json-$n.stdout" >/dev/null 2>&1; then
		not_ok "json-valid-$n" "output is not JSON lines"
		continue
	fi
	[ -f "$exp" ] || [ "${UPDATE:-0}" = 1 ] || { not_ok "json-$n" "no $exp"; continue; }
	golden "json-$n" "$exp"
done

run text-demo $T -r "$TOP/captures/demo.pcap"
golden text-demo "$TOP/tests/expected/demo.txt"
run text-demo-v $T -v -r "$TOP/captures/demo.pcap"
[ "$(grep -c ' established$' "$OUT/text-demo-v.stdout")" -gt 0 ] &&
	[ "$(grep -c ' established$' "$OUT/text-demo.stdout")" = 0 ] &&
	ok text-verbose || not_ok text-verbose "-v should add established connections"

# --json FILE appends, and the text report still goes to standard output.
rm -f "$OUT/demo.jsonl"
run json-file $T -r "$TOP/captures/demo.pcap" --json "$OUT/demo.jsonl"
cmp -s "$OUT/demo.jsonl" "$OUT/json-demo.stdout" && cmp -s "$OUT/json-file.stdout" "$OUT/text-demo.stdout" &&
	ok json-file || not_ok json-file
expect_fail json-unwritable 1 "^tlsdiag: $OUT/nodir/x.json: No such file or directory$" \
	$T -r "$TOP/captures/demo.pcap" --json "$OUT/nodir/x.json"

# SNI, versions, cipher and alerts against tshark.
if command -v tshark >/dev/null 2>&1; then
	case "$T" in
	*valgrind*) echo "# tshark comparison skipped under valgrind" ;;
	*)
		python3 "$TOP/tests/compare_tls.py" --tlsdiag "$T" "$TOP"/captures/*.pcap \
		    >"$OUT/tshark-tls.log" 2>&1
		grep -aE '^(ok|MISMATCH) ' "$OUT/tshark-tls.log" | while read -r st f rest; do
			if [ "$st" = ok ]; then
				ok "tshark-tls $(basename "${f%:}")"
			else
				not_ok "tshark-tls $(basename "${f%:}")" "$rest" \
				    "$(grep -a -A3 "$f" "$OUT/tshark-tls.log" | tail -3)"
			fi
		done
		;;
	esac
else
	echo "# tshark not installed: comparison skipped"
fi
