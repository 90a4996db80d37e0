#!/bin/sh
# keylog.sh -- TLS 1.3 captures read with their key logs (--keylog): each
# tls13-*.pcap with a .keylog beside it gets the `cause` of
# tests/infer_expect.tsv with the key log and `cause_nokeylog` without it;
# the decrypted facts are marked "decrypted": true and no secret from the
# key log ever appears in the output.
#
# Rows whose with-keylog label is not asserted because the inference engine
# labels the decrypted facts otherwise (none at present: every row with a
# key log passes; list them here as " NAME " if infer changes):
KNOWN_MISLABEL="
"
. "$(dirname "$0")/lib.sh"
T="$TLSDIAG --ca-file $TOP/captures/pki/trust.pem"
exp=$TOP/tests/infer_expect.tsv

# The label of the failed connection (or of any, when all established), as
# infer.sh picks it.
label() {
	_l=$(jq -r 'select(.result != "established" or .cause.after_handshake) | .cause.id' "$1" | head -n 1)
	if [ -z "$_l" ] && [ -s "$1" ]; then
		_l=$(jq -r 'select(.cause.id != "none") | .cause.id' "$1" | head -n 1)
		_l=${_l:-none}
	fi
	echo "$_l"
}

for f in "$TOP"/captures/tls13-*.pcap; do
	n=$(basename "$f" .pcap)
	k=$TOP/captures/$n.keylog
	[ -f "$k" ] || continue
	row=$(grep "^$n.pcap	" "$exp")
	if [ -z "$row" ]; then
		not_ok "keylog $n" "no row in infer_expect.tsv"
		continue
	fi
	want=$(echo "$row" | cut -f 2)
	want_nk=$(echo "$row" | cut -f 4)

	run "keylog-$n" $T --keylog "$k" -r "$f" --json -
	out=$OUT/keylog-$n.stdout
	if [ "$(status_of "keylog-$n")" != 0 ] || [ ! -s "$out" ]; then
		not_ok "keylog $n runs" "status $(status_of "keylog-$n")" \
		    "$(head -c 300 "$OUT/keylog-$n.stderr")"
		continue
	fi
	# Keys never appear in any output: no secret of the key log, in any
	# case, on stdout or stderr.
	leak=
	for s in $(awk '!/^#/ && NF == 3 { print $3 }' "$k"); do
		if grep -qi "$s" "$out" "$OUT/keylog-$n.stderr"; then
			leak=$s
			break
		fi
	done
	[ -z "$leak" ] && ok "keylog $n: no secret in the output" ||
	    not_ok "keylog $n: no secret in the output" "a secret was printed"

	# With the keys, the server's chain is read from the decrypted
	# records and marked so; the relay capture has none to read (its
	# server sends a ServerHello and hangs up: captures/README.md).
	sh=yes
	case $n in *-relay-*) sh= ;; esac
	ncert=$(jq -r '[.tls.server_certificates[]?] | length' "$out" | head -n 1)
	ndec=$(jq -r '[.tls.server_certificates[]? | select(.decrypted == true)] | length' "$out" | head -n 1)
	if [ -z "$sh" ]; then
		ok "keylog $n: no encrypted flight, no chain # SKIP"
	elif [ "${ncert:-0}" -gt 0 ] && [ "$ncert" = "$ndec" ]; then
		ok "keylog $n: $ncert decrypted server certificates"
	else
		not_ok "keylog $n: decrypted server certificates" \
		    "$ncert certificates, $ndec marked decrypted"
	fi

	got=$(label "$out")
	case "$KNOWN_MISLABEL" in
	*" $n "*)
		echo "# keylog $n: want $want, got $got (not asserted: infer)"
		;;
	*)
		[ "$got" = "$want" ] && ok "keylog $n: $want" ||
		    not_ok "keylog $n: cause" "want $want, got '$got'"
		;;
	esac

	# The same capture without the key log: the labels as before.
	run "nokeylog-$n" $T -r "$f" --json -
	got=$(label "$OUT/nokeylog-$n.stdout")
	[ "$got" = "$want_nk" ] && ok "nokeylog $n: $want_nk" ||
	    not_ok "nokeylog $n: cause" "want $want_nk, got '$got'"
	if grep -q '"decrypted"' "$OUT/nokeylog-$n.stdout"; then
		not_ok "nokeylog $n: nothing decrypted" "\"decrypted\" in the output"
	else
		ok "nokeylog $n: nothing decrypted"
	fi
done

# Malformed key log lines are counted and reported, never fatal; a missing
# key log file is a runtime error (status 1) naming it.
n=tls13-openssl-cert_untrusted_ca
bad=$OUT/keylog-bad.keylog
{ echo "CLIENT_RANDOM nothex"; echo "BOGUS_LABEL a b"; cat "$TOP/captures/$n.keylog"; } >"$bad"
run keylog-bad $T --keylog "$bad" -r "$TOP/captures/$n.pcap" --json -
if [ "$(status_of keylog-bad)" = 0 ] &&
    grep -q 'lines refused' "$OUT/keylog-bad.stderr" &&
    ! grep -q '0 lines refused' "$OUT/keylog-bad.stderr" &&
    [ "$(label "$OUT/keylog-bad.stdout")" = cert_untrusted_ca ]; then
	ok "keylog: malformed lines counted, not fatal"
else
	not_ok "keylog: malformed lines counted, not fatal" \
	    "status $(status_of keylog-bad)" "$(tail -n 1 "$OUT/keylog-bad.stderr")"
fi
expect_fail keylog-missing 1 'no-such\.keylog' \
    $T --keylog "$OUT/no-such.keylog" -r "$TOP/captures/$n.pcap"
