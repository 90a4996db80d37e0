#!/bin/sh
# keylog.sh -- captures read with their key logs (--keylog): each
# tls13-*.pcap with a .keylog beside it, and each tls12-*-keylog.pcap, gets
# the `cause` of tests/infer_expect.tsv with the key log and
# `cause_nokeylog` without it; the decrypted facts are marked "decrypted":
# true and no secret from the key log ever appears in the output.  TLS 1.2:
# an alert sent after ChangeCipherSpec is reported encrypted, without a
# description, unless the key log opens it.
#
# Rows whose with-keylog label is not asserted because the inference engine
# labels the decrypted facts otherwise (none at present: every row with a
# key log passes; list them here as " NAME " if infer changes):
KNOWN_MISLABEL="
"
# Certificate and clock failures read with their key logs are judged with
# high confidence, and with the label of their TLS 1.2 twin (the capture of
# the same scenario in TLS 1.2, whose certificate is plaintext), except the
# rows listed here as " NAME " (none at present: the curl captures are high
# because curl negotiated HTTP by ALPN and closed at once without a request;
# the GnuTLS clock capture because the same client accepted a chain of the
# same root valid only to its clock: tests/infer_expect.tsv).
MEDIUM_EVIDENCE="
"
. "$(dirname "$0")/lib.sh"
T="$TLSDIAG --ca-file $TOP/captures/pki/trust.pem"
exp=$TOP/tests/infer_expect.tsv

# ran NAME: run NAME exited 0 with some output (else a failure is printed).
ran() {
	if [ "$(status_of "$1")" != 0 ] || [ ! -s "$OUT/$1.stdout" ]; then
		not_ok "$1 runs" "status $(status_of "$1")" \
		    "$(head -c 300 "$OUT/$1.stderr")"
		return 1
	fi
}

# no_secret NAME KEYLOG: keys never appear in any output: no secret of
# KEYLOG, in any case, on run NAME's stdout or stderr.
no_secret() {
	_leak=
	for _s in $(awk '!/^#/ && NF == 3 { print $3 }' "$2"); do
		if grep -qi "$_s" "$OUT/$1.stdout" "$OUT/$1.stderr"; then
			_leak=$_s
			break
		fi
	done
	[ -z "$_leak" ] && ok "$1: no secret in the output" ||
	    not_ok "$1: no secret in the output" "a secret was printed"
}

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
	ran "keylog-$n" || continue
	no_secret "keylog-$n" "$k"

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

	case $want in
	cert_* | client_clock)
		wconf=high
		case "$MEDIUM_EVIDENCE" in *" $n
"*) wconf=medium ;; esac
		conf=$(jq -r 'select(.result != "established" or .cause.after_handshake) | .cause.confidence' "$out" | head -n 1)
		[ "$conf" = "$wconf" ] && ok "keylog $n: $want, $wconf confidence" ||
		    not_ok "keylog $n: confidence" "want $wconf, got '$conf'"
		;;
	esac

	# Its TLS 1.2 twin (tls12-REST.pcap or tls12-REST-VARIANT.pcap),
	# whose certificate is plaintext, gets the same label.
	case $want in
	cert_* | client_clock)
		twin=
		for t in "$TOP/captures/tls12-${n#tls13-}.pcap" \
		    "$TOP"/captures/tls12-"${n#tls13-}"-*.pcap; do
			[ -f "$t" ] && { twin=$t; break; }
		done
		if [ -z "$twin" ]; then
			ok "keylog $n: no TLS 1.2 twin # SKIP"
		else
			tn=$(basename "$twin" .pcap)
			tk=
			[ -f "$TOP/captures/$tn.keylog" ] &&
			    tk="--keylog $TOP/captures/$tn.keylog"
			run "twin-$n" $T $tk -r "$twin" --json -
			tl=$(label "$OUT/twin-$n.stdout")
			[ "$tl" = "$got" ] &&
			    ok "keylog $n: same label as its TLS 1.2 twin $tn" ||
			    not_ok "keylog $n: same label as its TLS 1.2 twin" \
			    "$tn: $tl, $n: $got"
		fi
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

# TLS 1.3 KeyUpdate: the client's close_notify follows its KeyUpdate, under
# its next application traffic secret, which is derived (the key log has
# only *_TRAFFIC_SECRET_0 for it, and OpenSSL's CLIENT_TRAFFIC_SECRET_N line,
# recognised and not refused).  Without keys the KeyUpdate looks like the
# client's first data and nothing after it is read.
n=tls13-openssl-ok-keyupdate
k=$TOP/captures/$n.keylog
if grep -q '^CLIENT_TRAFFIC_SECRET_N ' "$k" &&
    grep -q ' 4 secrets for 1 connections, 0 lines refused' \
    "$OUT/keylog-$n.stderr"; then
	ok "keylog $n: OpenSSL's *_TRAFFIC_SECRET_N lines not refused"
else
	not_ok "keylog $n: OpenSSL's *_TRAFFIC_SECRET_N lines not refused" \
	    "$(tail -n 1 "$OUT/keylog-$n.stderr")"
fi
a=$(jq -c '[.result, .closed_by, [.tls.alerts[] | [.from, .description, .decrypted]]]' \
    "$OUT/keylog-$n.stdout")
if [ "$a" = '["established","client_fin",[["client","close_notify",true],["server","close_notify",true]]]' ]; then
	ok "keylog $n: alerts after the KeyUpdate decrypted"
else
	not_ok "keylog $n: alerts after the KeyUpdate decrypted" "got $a"
fi

# TLS 1.2 with key logs (CLIENT_RANDOM, the master secret): the handshake
# is plaintext up to each side's ChangeCipherSpec, so only what follows it
# (Finished, application data, alerts) needs the keys.
for f in "$TOP"/captures/tls12-*-keylog.pcap; do
	n=$(basename "$f" .pcap)
	k=$TOP/captures/$n.keylog
	row=$(grep "^$n.pcap	" "$exp")
	if [ ! -f "$k" ] || [ -z "$row" ]; then
		not_ok "keylog $n" "no $n.keylog or no row in infer_expect.tsv"
		continue
	fi
	want=$(echo "$row" | cut -f 2)
	want_nk=$(echo "$row" | cut -f 4)
	run "keylog-$n" $T --keylog "$k" -r "$f" --json -
	run "nokeylog-$n" $T -r "$f" --json -
	out=$OUT/keylog-$n.stdout
	nk=$OUT/nokeylog-$n.stdout
	ran "keylog-$n" || continue
	no_secret "keylog-$n" "$k"
	grep -q ' 1 secrets for 1 connections, 0 lines refused' \
	    "$OUT/keylog-$n.stderr" && ok "keylog $n: key log read" ||
	    not_ok "keylog $n: key log read" "$(tail -n 1 "$OUT/keylog-$n.stderr")"
	v=$(jq -r '.tls.version' "$out" | head -n 1)
	[ "$v" = TLSv1.2 ] && ok "keylog $n: TLS 1.2" ||
	    not_ok "keylog $n: TLS 1.2" "version $v"
	# The certificates were plaintext: nothing claims to be decrypted
	# but what was not readable without the key log.
	if jq -e '[.tls.server_certificates[]? | select(.decrypted)] | length == 0' \
	    "$out" >/dev/null; then
		ok "keylog $n: plaintext certificates not marked decrypted"
	else
		not_ok "keylog $n: plaintext certificates not marked decrypted"
	fi
	# Without the key log, every alert after a ChangeCipherSpec is
	# encrypted and has no description; with it, the same alerts (same
	# sender, same time) are decrypted and described.
	a_nk=$(jq -c '[.tls.alerts[] | [.from, .ts, .encrypted, .description]]' "$nk" | head -n 1)
	a_k=$(jq -c '[.tls.alerts[] | [.from, .ts, .encrypted, .decrypted, (.description != null)]]' "$out" | head -n 1)
	want_nk_alerts=$(jq -c '[.tls.alerts[] | [.from, .ts, true, null]]' "$nk" | head -n 1)
	want_k_alerts=$(jq -c '[.tls.alerts[] | [.from, .ts, false, true, true]]' "$nk" | head -n 1)
	if [ "$a_nk" = "$want_nk_alerts" ] && [ "$a_k" = "$want_k_alerts" ]; then
		ok "keylog $n: $(jq '.tls.alerts | length' "$nk" | head -n 1) encrypted alerts decrypted"
	else
		not_ok "keylog $n: encrypted alerts decrypted" \
		    "without: $a_nk" "with: $a_k"
	fi
	got=$(label "$out")
	[ "$got" = "$want" ] && ok "keylog $n: $want" ||
	    not_ok "keylog $n: cause" "want $want, got '$got'"
	got=$(label "$nk")
	[ "$got" = "$want_nk" ] && ok "nokeylog $n: $want_nk" ||
	    not_ok "nokeylog $n: cause" "want $want_nk, got '$got'"
	if grep -q '"decrypted"' "$nk"; then
		not_ok "nokeylog $n: nothing decrypted" "\"decrypted\" in the output"
	else
		ok "nokeylog $n: nothing decrypted"
	fi
done

# The TLS 1.2 failure: curl closes with an encrypted close_notify after the
# handshake, having found that the certificate names another host.  With
# the key log the alert reads as such; with a master secret one bit off,
# nothing opens and nothing is made up: the alert stays encrypted.
n=tls12-nginx-curl-cert_name_mismatch-keylog
out=$OUT/keylog-$n.stdout
if [ "$(jq -r '.tls.alerts[] | "\(.from) \(.level) \(.description) \(.decrypted)"' "$out")" = \
	"client warning close_notify true" ]; then
	ok "keylog $n: client's close_notify decrypted"
else
	not_ok "keylog $n: client's close_notify decrypted" \
	    "$(jq -c '.tls.alerts' "$out")"
fi
wrong=$OUT/keylog-wrong12.keylog
awk '$1 == "CLIENT_RANDOM" { m = substr($3, 1, 1) == "0" ? "1" : "0"
	$3 = m substr($3, 2) } { print }' "$TOP/captures/$n.keylog" >"$wrong"
run keylog-wrong12 $T --keylog "$wrong" -r "$TOP/captures/$n.pcap" --json -
if [ "$(status_of keylog-wrong12)" = 0 ] && ! cmp -s "$wrong" "$TOP/captures/$n.keylog" &&
    [ "$(jq -c '[.tls.alerts[] | [.encrypted, .description]]' "$OUT/keylog-wrong12.stdout")" = '[[true,null]]' ] &&
    ! grep -q '"decrypted"' "$OUT/keylog-wrong12.stdout"; then
	ok "keylog $n: a wrong master secret decrypts nothing"
else
	not_ok "keylog $n: a wrong master secret decrypts nothing" \
	    "$(jq -c '.tls.alerts' "$OUT/keylog-wrong12.stdout")"
fi

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
