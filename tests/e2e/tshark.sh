#!/bin/sh
# tshark.sh -- --flows packet and byte counts equal tshark's, connection by
# connection, on every capture in captures/ (skipped without tshark).
. "$(dirname "$0")/lib.sh"
if ! command -v tshark >/dev/null 2>&1; then
	echo "# tshark not installed: comparison skipped"
	exit 0
fi
# Under valgrind this would take minutes for nothing new: the same code
# paths run in the other tests.
case "$TLSDIAG" in
*valgrind*) echo "# skipped under valgrind"; exit 0 ;;
esac
python3 "$TOP/tests/compare_flows.py" --tlsdiag "$TLSDIAG" "$TOP"/captures/*.pcap \
    >"$OUT/tshark-compare.log" 2>&1
grep -E '^(ok|MISMATCH) ' "$OUT/tshark-compare.log" | while read -r st f rest; do
	if [ "$st" = ok ]; then
		ok "tshark-flows $(basename "${f%:}")"
	else
		not_ok "tshark-flows $(basename "${f%:}")" "$rest"
	fi
done
grep -q ' passed, 0 failed$' "$OUT/tshark-compare.log" ||
	{ grep -A3 MISMATCH "$OUT/tshark-compare.log" | sed 's/^/# /'; exit 1; }
