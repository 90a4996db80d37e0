#!/bin/sh
# infer.sh -- every capture in captures/ gets the cause and fix side that
# tests/infer_expect.tsv writes down for it (without key logs), and no
# established handshake gets a failure label.
. "$(dirname "$0")/lib.sh"
T="$TLSDIAG --ca-file $TOP/captures/pki/trust.pem"
exp=$TOP/tests/infer_expect.tsv

grep -v '^#' "$exp" | while IFS='	' read -r file cause fix cause_nk fix_nk note; do
	[ -n "$file" ] && [ "$file" != file ] || continue
	f=$TOP/captures/$file
	[ -f "$f" ] || f=$TOP/captures/$file.pcap
	if [ ! -f "$f" ]; then
		not_ok "cause $file" "no such capture"
		continue
	fi
	n=$(basename "$f" .pcap)
	# A plaintext client on a test port: the port is declared TLS, as a
	# user would with --tls-port.
	extra=
	if [ "$cause_nk" = not_tls ]; then
		port=$($TLSDIAG -r "$f" --flows 2>/dev/null | head -n 1 |
		    sed -E 's/^[^ ]+ [^ ]+ > [^ ]+:([0-9]+) .*/\1/')
		extra="--tls-port $port"
	fi
	run "cause-$n" $T $extra -r "$f" --json -
	out=$OUT/cause-$n.stdout
	# Established handshakes never get a failure label (but for a client
	# that gave up right after the handshake: after_handshake).
	bad=$(jq -r 'select(.result == "established" and .cause.id != "none" and (.cause.after_handshake | not)) | .cause.id' "$out")
	if [ -n "$bad" ]; then
		not_ok "cause $n" "established handshake labelled $bad"
		continue
	fi
	if [ "$cause_nk" = none ]; then
		got=$(jq -r 'select(.cause.id != "none") | .cause.id' "$out" | head -n 1)
		[ -z "$got" ] && ok "cause $n: none" || not_ok "cause $n" "want none, got $got"
		continue
	fi
	got=$(jq -r 'select(.result != "established" or .cause.after_handshake) | "\(.cause.id) \(.cause.fix_side)"' "$out" | head -n 1)
	if [ "$got" = "$cause_nk $fix_nk" ]; then
		ok "cause $n: $cause_nk ($fix_nk)"
	else
		not_ok "cause $n" "want $cause_nk $fix_nk, got '$got'" "$note"
	fi
done
