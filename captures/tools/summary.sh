#!/bin/sh
# summary.sh -- print what tshark sees in captures: one line per TCP
# connection with its TLS handshake messages, alerts and FIN/RST, using the
# capture's NAME.keylog when there is one.  A checking aid for generate.sh.
#
#   sh captures/tools/summary.sh captures/*.pcap
#
# Must never: modify a capture.
for f in "$@"; do
	k=${f%.pcap}.keylog
	o=
	[ -f "$k" ] && o="-o tls.keylog_file:$k"
	echo "== $(basename "$f") ($(stat -c %s "$f") bytes)"
	# shellcheck disable=SC2086
	tshark -r "$f" $o -T fields -E separator='|' \
	    -e tcp.stream -e ip.src -e ipv6.src -e tcp.srcport \
	    -e tls.handshake.type -e tls.alert_message.desc \
	    -e tls.record.opaque_type -e tls.record.content_type \
	    -e tcp.flags.fin -e tcp.flags.reset -e tcp.len -e _ws.col.Info \
	    2>/dev/null | awk -F'|' '
	{
		ev = ""
		if ($5 != "") ev = ev " hs[" $5 "]"
		if ($6 != "") ev = ev " ALERT[" $6 "]"
		if ($9 == "1") ev = ev " FIN"
		if ($10 == "1") ev = ev " RST"
		if ($5 == "" && $6 == "" && $11 > 0 && ev == "") ev = " data(" $11 ")"
		if (ev == "") next
		line[$1] = line[$1] "  " $4 ":" ev
	}
	END { for (s in line) print "  conn " s ":" line[s] }' | sort
done
