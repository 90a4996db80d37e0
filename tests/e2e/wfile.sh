#!/bin/sh
# wfile.sh -- -w FILE holds every packet of each connection that did not
# establish (from its SYN to its close), and nothing of the others.
. "$(dirname "$0")/lib.sh"
T="$TLSDIAG --ca-file $TOP/captures/pki/trust.pem"
demo=$TOP/captures/demo.pcap

rm -f "$OUT/w-demo.json" "$OUT/failed.pcap"
run w-demo $T -r "$demo" -w "$OUT/failed.pcap" --json "$OUT/w-demo.json"
if [ "$(status_of w-demo)" != 0 ] || [ ! -s "$OUT/failed.pcap" ]; then
	not_ok w-demo "exit $(status_of w-demo)" "$(head -c 300 "$OUT/w-demo.stderr")"
	exit 0
fi
ok w-demo

# The connections in the file, as --flows sees them, are exactly the
# non-established ones of the capture, with all their packets.
$TLSDIAG -r "$demo" --flows 2>/dev/null | sort >"$OUT/w-all.flows"
$TLSDIAG -r "$OUT/failed.pcap" --flows 2>/dev/null | sort >"$OUT/w-file.flows"
jq -r 'select(.result != "established") | "\(.client.ip):\(.client.port) > "' \
    "$OUT/w-demo.json" | sort >"$OUT/w-want.keys"
grep -F -f "$OUT/w-want.keys" "$OUT/w-all.flows" >"$OUT/w-want.flows"
n=$(grep -c '' "$OUT/w-want.keys")
if [ "$n" -gt 0 ] && diff -u "$OUT/w-want.flows" "$OUT/w-file.flows" >"$OUT/w.diff"; then
	ok "w-file-has-the-$n-failed-connections-whole"
else
	not_ok w-file-contents "$(head -n 10 "$OUT/w.diff")"
fi

# Running tlsdiag on the file gives the same verdicts.
run w-again $T -r "$OUT/failed.pcap" --json -
a=$(jq -r '"\(.client.port) \(.result) \(.cause.id)"' "$OUT/w-again.stdout" | sort)
b=$(jq -r 'select(.result != "established") | "\(.client.port) \(.result) \(.cause.id)"' "$OUT/w-demo.json" | sort)
[ -n "$a" ] && [ "$a" = "$b" ] && ok w-same-verdicts || not_ok w-same-verdicts "$a" "$b"

expect_fail w-unwritable 1 "^tlsdiag: $OUT/nodir/x.pcap: No such file or directory$" \
	$T -r "$demo" -w "$OUT/nodir/x.pcap"
expect_fail w-with-flows 2 "cannot be used together" $T -r "$demo" -w "$OUT/x.pcap" --flows
