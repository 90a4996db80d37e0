#!/bin/bash
# gen.sh -- make the throwaway test PKI that captures/generate.sh serves.
#
# Everything here is test material: the private keys are published in the
# repository on purpose and must never be trusted by anything but the test
# clients of captures/generate.sh.  The names all live under the reserved-looking
# test domain "test.tlsdiag", which no public CA will ever issue for.
#
# Validity dates are fixed (openssl ca -startdate/-enddate) and the clock-driven
# artefacts (CRL, OCSP responses, revocation date) are made under faketime at
# 2025-06-01, so that the committed output and the captures made from it do not
# depend on the day this script ran.  Only the keys and signatures differ from
# one run to the next; run it once and commit the output.
#
#   bash captures/pki/gen.sh           refuses to overwrite an existing PKI
#   bash captures/pki/gen.sh --force   throws the old PKI away and makes a new one
#   bash captures/pki/gen.sh --extra   keeps the committed PKI and only makes the
#                                      artefacts added after it (the "extra"
#                                      section below: ipsan, badsig, wrong-order
#                                      chains) from the committed root and
#                                      intermediate; refuses to overwrite them
#
# A full run (new or --force) makes the extra artefacts too, in the same way,
# so both paths give the same set of files with the same serials and dates.
#
# Must never: touch anything outside captures/pki/, or use the network.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

# Files the extra section makes; --extra refuses to replace any of them.
EXTRA_FILES="ipsan.key ipsan.crt ipsan-chain.pem badsig.key badsig.crt
    badsig-chain.pem root-inter.pem wrongorder-chain.pem"

mode=full
case "${1:-}" in
--extra)
	mode=extra
	for f in root.crt inter.crt inter.key good.crt good.key; do
		if [ ! -f "$f" ]; then
			echo "gen.sh: --extra needs the committed PKI in $here" >&2
			exit 1
		fi
	done
	for f in $EXTRA_FILES; do
		if [ -e "$f" ]; then
			echo "gen.sh: $f already present (--extra never replaces)" >&2
			exit 1
		fi
	done
	;;
--force | "")
	if [ -f root.crt ] && [ "${1:-}" != "--force" ]; then
		echo "gen.sh: PKI already present in $here (use --force to replace it)" >&2
		exit 1
	fi
	;;
*)
	echo "usage: gen.sh [--force | --extra]" >&2
	exit 2
	;;
esac

# The instant every clock-dependent artefact is made at.
FAKE_NOW='2025-06-01 00:00:00'

# Validity windows (UTC, openssl ca -startdate/-enddate syntax).
CA_START=20200101000000Z
CA_END=20460101000000Z
GOOD_START=20250101000000Z
GOOD_END=20450101000000Z
EXPIRED_START=20240101000000Z
EXPIRED_END=20250101000000Z
NOTYET_START=20400101000000Z
NOTYET_END=20450101000000Z

ossl() {
	faketime "$FAKE_NOW" openssl "$@"
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

[ "$mode" = extra ] || rm -f ./*.crt ./*.key ./*.pem ./*.crl ./*.der

# One openssl ca configuration for every CA; each CA gets its own database
# directory so serials and the revocation index stay per-issuer.
cat >"$work/ca.cnf" <<'EOF'
[ ca ]
default_ca = CA_default

[ CA_default ]
dir              = $ENV::CADIR
database         = $dir/index.txt
serial           = $dir/serial
crlnumber        = $dir/crlnumber
new_certs_dir    = $dir/new
default_md       = sha256
default_crl_days = 7300
policy           = policy_any
email_in_dn      = no
unique_subject   = no
copy_extensions  = none
preserve         = yes

[ policy_any ]
countryName            = optional
organizationName       = optional
organizationalUnitName = optional
commonName             = supplied

[ req ]
distinguished_name = req_dn
prompt             = no
[ req_dn ]
CN = placeholder

[ v3_root ]
basicConstraints       = critical, CA:true
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash

[ v3_inter ]
basicConstraints       = critical, CA:true, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints  = URI:http://crl.test.tlsdiag/inter.crl

[ v3_client ]
basicConstraints       = critical, CA:false
keyUsage               = critical, digitalSignature
extendedKeyUsage       = clientAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
EOF

# leaf_ext NAME SAN EKU: write an extension section for a server leaf.
leaf_ext() {
	cat >>"$work/ca.cnf" <<EOF

[ v3_$1 ]
basicConstraints       = critical, CA:false
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = $3
subjectAltName         = $2
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints  = URI:http://crl.test.tlsdiag/inter.crl
authorityInfoAccess    = OCSP;URI:http://ocsp.test.tlsdiag/
EOF
}

leaf_ext good       "DNS:good.test.tlsdiag"                 serverAuth
leaf_ext wild       "DNS:*.wild.test.tlsdiag"               serverAuth
leaf_ext expired    "DNS:expired.test.tlsdiag"              serverAuth
leaf_ext notyet     "DNS:notyet.test.tlsdiag"               serverAuth
leaf_ext untrusted  "DNS:untrusted.test.tlsdiag"            serverAuth
leaf_ext other      "DNS:other.test.tlsdiag"                serverAuth
leaf_ext revoked    "DNS:revoked.test.tlsdiag"              serverAuth
leaf_ext noeku      "DNS:noeku.test.tlsdiag"                clientAuth
leaf_ext weak       "DNS:weak.test.tlsdiag"                 serverAuth
leaf_ext sha1       "DNS:sha1.test.tlsdiag"                 serverAuth
leaf_ext ipsan      "IP:127.0.0.1, IP:::1"                  serverAuth

# The self-signed leaf is its own issuer but not a CA, as a quick
# "openssl req -x509" would make it.
cat >>"$work/ca.cnf" <<'EOF'

[ v3_selfsigned ]
basicConstraints       = critical, CA:false
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth
subjectAltName         = DNS:selfsigned.test.tlsdiag
subjectKeyIdentifier   = hash
EOF

export OPENSSL_CONF="$work/ca.cnf"
# The configuration names $ENV::CADIR; give it a harmless default for req.
export CADIR="$work"

# newdb NAME FIRST_SERIAL: an empty openssl ca database for one issuer.
newdb() {
	mkdir -p "$work/$1/new"
	: >"$work/$1/index.txt"
	echo "$2" >"$work/$1/serial"
	echo 1000 >"$work/$1/crlnumber"
}

# key NAME BITS
key() {
	openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$2" \
	    -out "$1.key" 2>/dev/null
	chmod 0644 "$1.key"
}

# csr NAME SUBJECT
csr() {
	openssl req -new -key "$1.key" -subj "$2" -out "$work/$1.csr"
}

# sign ISSUERDB ISSUERNAME NAME EXT START END [MD]: issue NAME.crt.
sign() {
	CADIR="$work/$1" ossl ca -batch -notext \
	    -cert "$2.crt" -keyfile "$2.key" \
	    -in "$work/$3.csr" -out "$3.crt" -extensions "v3_$4" \
	    -startdate "$5" -enddate "$6" -md "${7:-sha256}" 2>/dev/null
}

# selfsign DB NAME EXT START END: a self-issued certificate.
selfsign() {
	CADIR="$work/$1" ossl ca -batch -notext -selfsign \
	    -keyfile "$2.key" -in "$work/$2.csr" -out "$2.crt" \
	    -extensions "v3_$3" -startdate "$4" -enddate "$5" 2>/dev/null
}

# The base PKI: everything but the extra section (skipped by --extra, which
# builds on the committed files).
if [ "$mode" = full ]; then
	# The trusted root and its intermediate.
	newdb root 01
	key root 2048
	csr root "/O=tlsdiag test PKI/CN=tlsdiag Test Root CA"
	selfsign root root root "$CA_START" "$CA_END"

	newdb inter 1001
	key inter 2048
	csr inter "/O=tlsdiag test PKI/CN=tlsdiag Test Intermediate CA"
	sign root root inter inter "$CA_START" "$CA_END"

	# A second root that no test client trusts (a private CA).
	newdb untrusted-root 01
	key untrusted-root 2048
	csr untrusted-root "/O=Some Private Company/CN=Private Untrusted Root CA"
	selfsign untrusted-root untrusted-root root "$CA_START" "$CA_END"

	# The interception CA a corporate TLS proxy (sslsplit) mints certificates with.
	newdb intercept-ca 01
	key intercept-ca 2048
	csr intercept-ca "/O=Example Corp Network Security/CN=Example Corp TLS Inspection CA"
	selfsign intercept-ca intercept-ca root "$CA_START" "$CA_END"

	# Server leaves issued by the intermediate.  Serials are fixed by order.
	for n in good wild expired notyet other revoked noeku sha1; do
		key "$n" 2048
	done
	key weak 1024

	csr good    "/CN=good.test.tlsdiag"
	csr wild    "/CN=*.wild.test.tlsdiag"
	csr expired "/CN=expired.test.tlsdiag"
	csr notyet  "/CN=notyet.test.tlsdiag"
	csr other   "/CN=other.test.tlsdiag"
	csr revoked "/CN=revoked.test.tlsdiag"
	csr noeku   "/CN=noeku.test.tlsdiag"
	csr weak    "/CN=weak.test.tlsdiag"
	csr sha1    "/CN=sha1.test.tlsdiag"

	sign inter inter good    good    "$GOOD_START"    "$GOOD_END"
	sign inter inter wild    wild    "$GOOD_START"    "$GOOD_END"
	sign inter inter expired expired "$EXPIRED_START" "$EXPIRED_END"
	sign inter inter notyet  notyet  "$NOTYET_START"  "$NOTYET_END"
	sign inter inter other   other   "$GOOD_START"    "$GOOD_END"
	sign inter inter revoked revoked "$GOOD_START"    "$GOOD_END"
	sign inter inter noeku   noeku   "$GOOD_START"    "$GOOD_END"
	sign inter inter weak    weak    "$GOOD_START"    "$GOOD_END"
	sign inter inter sha1    sha1    "$GOOD_START"    "$GOOD_END" sha1

	# The client certificate for mutual TLS.
	key client 2048
	csr client "/O=tlsdiag test PKI/CN=tlsdiag test client"
	sign inter inter client client "$GOOD_START" "$GOOD_END"

	# A leaf from the untrusted root.
	key untrusted 2048
	csr untrusted "/CN=untrusted.test.tlsdiag"
	sign untrusted-root untrusted-root untrusted untrusted "$GOOD_START" "$GOOD_END"

	# A self-signed leaf.
	newdb selfsigned 01
	key selfsigned 2048
	csr selfsigned "/CN=selfsigned.test.tlsdiag"
	selfsign selfsigned selfsigned selfsigned "$GOOD_START" "$GOOD_END"

	# Revoke the "revoked" leaf (keyCompromise, dated FAKE_NOW) and publish the
	# intermediate's CRL.
	CADIR="$work/inter" ossl ca -batch -cert inter.crt -keyfile inter.key \
	    -revoke revoked.crt -crl_reason keyCompromise 2>/dev/null
	CADIR="$work/inter" ossl ca -batch -cert inter.crt -keyfile inter.key \
	    -gencrl -crldays 7300 -out inter.crl 2>/dev/null

	# OCSP responses to staple, signed by the intermediate itself (no delegated
	# responder), without nonce, valid for 20 years from FAKE_NOW.
	# ocsp_resp NAME: make NAME.ocsp.der.
	ocsp_resp() {
		ossl ocsp -no_nonce -issuer inter.crt -cert "$1.crt" \
		    -reqout "$work/$1.req" 2>/dev/null
		ossl ocsp -index "$work/inter/index.txt" -CA inter.crt \
		    -rsigner inter.crt -rkey inter.key -ndays 7300 \
		    -reqin "$work/$1.req" -respout "$1.ocsp.der" 2>/dev/null
	}
	ocsp_resp revoked
	ocsp_resp good

	# Chains as servers send them: leaf first, then the intermediate.
	for n in good wild expired notyet other revoked noeku weak sha1; do
		cat "$n.crt" inter.crt >"$n-chain.pem"
	done
	# The untrusted leaf is sent with its (untrusted) root, so the client can
	# tell "chain ends in a CA I do not trust" from "chain is incomplete".
	cat untrusted.crt untrusted-root.crt >untrusted-chain.pem
	cat client.crt inter.crt >client-chain.pem
	# What the test clients trust.
	cp root.crt trust.pem
	# What the client trusts when it has accepted the corporate interception CA.
	cat root.crt intercept-ca.crt >trust-with-intercept.pem
fi

# ---------------------------------------------------------------- extra
#
# Artefacts added after the first PKI was committed.  They are made from the
# committed root and intermediate, so that --extra can add them without
# touching (and invalidating) any committed file or capture.

# The intermediate's database: a full run continues the one above (serial
# 100B follows client's 100A); --extra starts a fresh one at the same serial.
[ "$mode" = full ] || newdb inter 100B

# A leaf for a server reached by IP address: its SANs are the loopback
# addresses only (RFC 6125 6.2.1: an IP literal matches an iPAddress SAN,
# never the CN), and its CN is a name no client uses.
key ipsan 2048
csr ipsan "/CN=ipsan.test.tlsdiag"
sign inter inter ipsan ipsan "$GOOD_START" "$GOOD_END"

# The good leaf with a broken signature: one byte of the signature BIT
# STRING, which ends the DER, inverted.  A byte near the end is a low-order
# byte of the RSA signature value, so the value stays below the modulus and
# only the verification fails, not the parse.  The key is good.key (a server
# needs only the key that matches the certificate's public key).
cp good.key badsig.key
openssl x509 -in good.crt -outform DER -out "$work/badsig.der"
off=$(($(stat -c %s "$work/badsig.der") - 8))
byte=$(od -An -tu1 -j "$off" -N1 "$work/badsig.der" | tr -d ' ')
# shellcheck disable=SC2059
printf "\\$(printf %03o $((byte ^ 0xff)))" |
    dd of="$work/badsig.der" bs=1 seek="$off" conv=notrunc status=none
openssl x509 -inform DER -in "$work/badsig.der" -out badsig.crt
cat badsig.crt inter.crt >badsig-chain.pem
cat ipsan.crt inter.crt >ipsan-chain.pem

# Chains in the wrong order: leaf, root, intermediate.  root-inter.pem is
# what s_server takes as -cert_chain (sent as given); wrongorder-chain.pem is
# the whole file for gnutls-serv and nginx.
cat root.crt inter.crt >root-inter.pem
cat good.crt root.crt inter.crt >wrongorder-chain.pem

# Self-check at 2026-01-01: every certificate verifies, or fails, as the
# scenarios need it to.
at=$(date -d 2026-01-01 +%s)
check() {
	local want=$1 got
	shift
	got=$(openssl verify -attime "$at" -CAfile trust.pem "$@" 2>&1 |
	    grep -o 'error [0-9]*' | head -n 1) || true
	got=${got:-ok}
	if [ "$got" != "$want" ]; then
		echo "gen.sh: self-check failed: $* gave '$got', want '$want'" >&2
		exit 1
	fi
}
check ok -untrusted inter.crt good.crt
check ok -untrusted inter.crt wild.crt
check ok -untrusted inter.crt -purpose sslclient client.crt
check 'error 10' -untrusted inter.crt expired.crt
check 'error 9' -untrusted inter.crt notyet.crt
check 'error 18' selfsigned.crt
check 'error 20' good.crt
check 'error 19' -untrusted untrusted-root.crt untrusted.crt
check 'error 23' -untrusted inter.crt -CRLfile inter.crl -crl_check revoked.crt
check 'error 26' -untrusted inter.crt -purpose sslserver noeku.crt
check 'error 66' -untrusted inter.crt -auth_level 2 weak.crt
check 'error 68' -untrusted inter.crt -auth_level 2 sha1.crt
check ok -untrusted inter.crt -verify_ip 127.0.0.1 ipsan.crt
check ok -untrusted inter.crt -verify_ip ::1 ipsan.crt
check 'error 64' -untrusted inter.crt -verify_ip 127.0.0.2 ipsan.crt
check 'error 7' -untrusted inter.crt badsig.crt
check ok -untrusted root-inter.pem good.crt
echo "gen.sh: PKI written to $here"
