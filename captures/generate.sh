#!/bin/bash
# generate.sh -- regenerate every capture in captures/ from the committed PKI.
#
# Each scenario starts a real TLS server (openssl s_server, gnutls-serv, nginx,
# sslsplit, or a small tool from captures/tools/) on its own loopback port,
# starts tcpdump on that port, runs one real client against it, stops tcpdump
# and the server, and leaves captures/NAME.pcap (plus NAME.keylog, the
# client's SSLKEYLOGFILE, for TLS 1.3 scenarios whose client can write one,
# and for the TLS 1.2 scenarios named *-keylog).
# NAME is VERSION-STACK-LABEL[-VARIANT]; README.md describes every file.
#
#   sudo bash captures/generate.sh            all scenarios
#   sudo bash captures/generate.sh PATTERN... only scenarios whose name
#                                             matches a shell PATTERN
#                                             (demo.pcap is then left alone)
#
# Traffic is loopback only: the script re-runs itself in a private network
# namespace (unshare --net) whose only interface is lo, so no packet can leave
# the machine and no port can clash with anything else on it.  Without
# namespaces it falls back to the host's lo with a warning.
#
# Needs root (tcpdump, namespaces), and the Debian packages openssl,
# gnutls-bin, nginx-light or nginx, curl, faketime, socat, tcpdump,
# wireshark-common (mergecap), sslsplit, python3.
#
# Must never: send a packet off loopback, leave a process behind (the EXIT
# trap kills every process it started, also on failure), or write outside
# captures/ except its own temporary directory.
set -euo pipefail

top=$(cd "$(dirname "$0")" && pwd)
pki=$top/pki
tools=$top/tools

die() {
	echo "generate.sh: $*" >&3
	exit 1
}
exec 3>&2

[ "$(id -u)" = 0 ] || die "run as root (tcpdump and unshare need it)"
for t in openssl gnutls-serv gnutls-cli nginx curl faketime socat tcpdump \
    tshark mergecap sslsplit python3 ss timeout setsid; do
	command -v "$t" >/dev/null || die "missing tool: $t"
done
[ -f "$pki/root.crt" ] || die "no PKI in $pki (run captures/pki/gen.sh once)"

# Re-run inside a private network namespace.
if [ "${TLSDIAG_GEN_NETNS:-}" != 1 ]; then
	if unshare --net true 2>/dev/null; then
		exec unshare --net -- env TLSDIAG_GEN_NETNS=1 bash "$0" "$@"
	fi
	echo "generate.sh: warning: no network namespace, using the host's lo" >&2
	TLSDIAG_GEN_NETNS=host
fi
if [ "$TLSDIAG_GEN_NETNS" = 1 ]; then
	ip link set lo up
	# An Ethernet-sized MTU, so that server flights span several segments
	# as they do on a real network (the tool's TCP reassembly is tested).
	ip link set lo mtu 1500
	# glibc's getaddrinfo(AI_ADDRCONFIG), which sslsplit uses, finds no
	# IPv4 address when 127.0.0.1 is the only one; a second loopback
	# address satisfies it.
	ip addr add 127.0.1.1/32 dev lo
fi

tmp=$(mktemp -d /tmp/tlsdiag-gen.XXXXXX)
pids=()   # every background process group started, for the EXIT trap
spids=()  # the servers of the current scenario

cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null ||
		    true
	done
	sleep 0.2
	for p in "${pids[@]}"; do
		kill -KILL -- "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null ||
		    true
	done
	rm -rf "$tmp" "$top"/*.pcap.part
}
trap cleanup EXIT
# fd 3 (opened above) is the script's stderr even while a trap runs inside
# a redirected client command.
trap 'echo "generate.sh: interrupted" >&3; exit 130' INT TERM

mkdir -p "$tmp/www" "$tmp/log" "$tmp/nginx"
# Small bodies keep the captures small.
echo ok >"$tmp/www/ok.txt"
cd "$tmp/www"

only=("$@")
made=()   # names of the captures written in this run

# ---------------------------------------------------------------- plumbing

# bg NAME CMD...: start CMD as its own process group, logging to
# $tmp/log/NAME.log.  As the script has no job control, the background child
# is not a group leader and setsid execs CMD directly: $! is its pgid.
bg() {
	local name=$1
	shift
	setsid "$@" >"$tmp/log/$name.log" 2>&1 </dev/null &
	pids+=("$!")
	spids+=("$!")
}

# wait_listen PORT: wait until something listens on TCP PORT.
wait_listen() {
	local _
	for _ in $(seq 100); do
		if [ -n "$(ss -Hltn "sport = :$1")" ]; then
			return 0
		fi
		sleep 0.05
	done
	die "$NAME: nothing listens on port $1; server log:
$(cat "$tmp/log/"*"$1"*.log 2>/dev/null | tail -n 20)"
}

# begin NAME: start a scenario.  Sets NAME, and KEYLOG (the key log path)
# for TLS 1.3 scenarios and TLS 1.2 ones named *-keylog.  Returns non-zero
# when PATTERN excludes NAME.
begin() {
	NAME=$1
	spids=()
	if [ ${#only[@]} -gt 0 ]; then
		local pat hit=0
		for pat in "${only[@]}"; do
			# shellcheck disable=SC2053
			[[ $NAME == $pat ]] && hit=1
		done
		[ $hit = 1 ] || return 1
	fi
	rm -f "$top/$NAME.pcap" "$top/$NAME.keylog"
	KEYLOG=
	case $NAME in
	tls13-* | tls12-*-keylog) KEYLOG=$top/$NAME.keylog ;;
	esac
	return 0
}

# end: stop the scenario's servers and drop a key log without secrets
# (openssl writes a comment line even when the handshake never got far
# enough to derive a key).
end() {
	local p
	for p in "${spids[@]}"; do
		kill -TERM -- "-$p" 2>/dev/null || true
	done
	for p in "${spids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	spids=()
	if [ -n "$KEYLOG" ] && ! grep -qs '^[A-Z]' "$KEYLOG"; then
		rm -f "$KEYLOG"
	fi
	made+=("$NAME")
}

# cap FILTER CMD...: capture FILTER (a pcap filter, "tcp port P" for one
# port) on lo while CMD, the client, runs.  tcpdump is ready before the
# client starts and stopped after the client's last packet has passed.
cap() {
	local filter=$1 out=$top/$NAME.pcap rc=0
	shift
	# --immediate-mode: without it libpcap hands packets over in blocks and
	# the last ones of a short exchange are lost when tcpdump is stopped.
	setsid tcpdump -i lo -s 0 -U --immediate-mode -Z root -w "$out.part" \
	    "$filter" >"$tmp/log/tcpdump-$NAME.log" 2>&1 &
	local td=$!
	pids+=("$td")
	for _ in $(seq 400); do
		grep -qs "listening on" "$tmp/log/tcpdump-$NAME.log" && break
		sleep 0.05
	done
	grep -q 'listening on' "$tmp/log/tcpdump-$NAME.log" ||
	    die "$NAME: tcpdump did not start: $(ps -o pid,stat,wchan:20,args -p $td; cat "$tmp/log/tcpdump-$NAME.log")"
	"$@" >"$tmp/log/$NAME.client" 2>&1 || rc=$?
	# Let the last FIN/RST/alert of either side reach tcpdump.
	sleep 0.4
	kill -INT "$td"
	wait "$td" 2>/dev/null || true
	if ! grep -q '^0 packets dropped by kernel' "$tmp/log/tcpdump-$NAME.log"
	then
		die "$NAME: tcpdump lost packets: $(cat "$tmp/log/tcpdump-$NAME.log")"
	fi
	mv "$out.part" "$out"
	printf '%-56s client exit %s\n' "$NAME" "$rc"
}

# ---------------------------------------------------------------- servers

# Every server listens on 127.0.0.1 (or ::1) only; gnutls-serv cannot be
# told an address, so it relies on the private namespace.

# srv_ossl PORT LEAF CHAIN S_SERVER_ARGS...: openssl s_server with
# LEAF.crt/LEAF.key, sending the extra certificates of file CHAIN ("-" for
# none), serving ./ok.txt.
srv_ossl() {
	local port=$1 leaf=$2 chain=$3 addr=127.0.0.1
	shift 3
	case $port in
	*:*) addr=${port%:*}; port=${port##*:} ;;
	esac
	local c=()
	[ "$chain" = - ] || c=(-cert_chain "$chain")
	bg "srv-$port" openssl s_server -accept "[$addr]:$port" \
	    -cert "$pki/$leaf.crt" -key "$pki/$leaf.key" "${c[@]}" -WWW "$@"
	wait_listen "$port"
}

# srv_gnutls PORT CERTFILE KEYNAME GNUTLS_SERV_ARGS...: gnutls-serv in its
# HTTP mode, not asking for a client certificate unless told to.
srv_gnutls() {
	local port=$1 certs=$2 key=$3
	shift 3
	bg "srv-$port" gnutls-serv -p "$port" --x509certfile "$certs" \
	    --x509keyfile "$pki/$key.key" "$@"
	wait_listen "$port"
}

# srv_nginx PORT SERVER_BLOCKS: nginx in the foreground, one process, with
# the given server { } blocks.  "@PORT@" and "@PKI@" in them are replaced.
srv_nginx() {
	local port=$1 blocks=$2 conf=$tmp/nginx/$1.conf
	blocks=${blocks//@PORT@/$port}
	blocks=${blocks//@PKI@/$pki}
	mkdir -p "$tmp/nginx/$port"
	cat >"$conf" <<EOF
error_log $tmp/log/nginx-$port.err info;
pid $tmp/nginx/$port/nginx.pid;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $tmp/nginx/$port/body;
	proxy_temp_path $tmp/nginx/$port/proxy;
	fastcgi_temp_path $tmp/nginx/$port/fastcgi;
	uwsgi_temp_path $tmp/nginx/$port/uwsgi;
	scgi_temp_path $tmp/nginx/$port/scgi;
	default_type text/plain;
	ssl_session_tickets off;
	# nginx 1.22 leaves TLS 1.3 off unless asked.
	ssl_protocols TLSv1.2 TLSv1.3;
$blocks
}
EOF
	bg "srv-$port" nginx -p "$tmp/nginx/$port" -c "$conf" \
	    -g 'daemon off; master_process off;'
	wait_listen "$port"
}

# nginx_tls NAME CERTFILE KEYNAME EXTRA: one TLS server block for NAME,
# sending the certificates of pki/CERTFILE.
nginx_tls() {
	cat <<EOF
	server {
		listen 127.0.0.1:@PORT@ ssl;
		server_name $1;
		ssl_certificate @PKI@/$2;
		ssl_certificate_key @PKI@/$3.key;
		${4:-}
		location / { return 200 "ok\n"; }
	}
EOF
}

# ---------------------------------------------------------------- clients

GET='GET /ok.txt HTTP/1.0\r\nHost: %s\r\n\r\n'
# PRE: a command the clients run under (faketime for the clock scenarios).
PRE=()

# cli_ossl PORT HOST S_CLIENT_ARGS...: openssl s_client trusting the test
# root, sending SNI HOST (none if NOSNI is set), checking the name HOST,
# failing the handshake on any verification error, and asking for /ok.txt.
cli_ossl() {
	local port=$1 host=$2 addr=127.0.0.1
	shift 2
	case $port in
	*:*) addr=${port%:*}; port=${port##*:} ;;
	esac
	local k=() sni=(-servername "$host")
	[ -z "$KEYLOG" ] || k=(-keylogfile "$KEYLOG")
	[ -z "${NOSNI:-}" ] || sni=(-noservername)
	# shellcheck disable=SC2059
	printf "$GET" "$host" | timeout "${TMO:-10}" "${PRE[@]}" openssl s_client \
	    -connect "[$addr]:$port" "${sni[@]}" \
	    -verify_hostname "$host" -CAfile "$pki/trust.pem" \
	    -verify_return_error -ign_eof "${k[@]}" "$@"
}

# cli_gnutls PORT HOST GNUTLS_CLI_ARGS...: gnutls-cli trusting the test root,
# sending SNI HOST and checking the name HOST.
cli_gnutls() {
	local port=$1 host=$2
	shift 2
	# shellcheck disable=SC2059
	printf "$GET" "$host" | SSLKEYLOGFILE=$KEYLOG timeout "${TMO:-10}" \
	    "${PRE[@]}" gnutls-cli -p "$port" 127.0.0.1 --sni-hostname "$host" \
	    --verify-hostname "$host" --x509cafile "$pki/trust.pem" "$@"
}

# cli_curl PORT HOST CURL_ARGS...: curl trusting the test root, resolving
# HOST to 127.0.0.1.
cli_curl() {
	local port=$1 host=$2
	shift 2
	SSLKEYLOGFILE=$KEYLOG timeout "${TMO:-10}" "${PRE[@]}" curl -sS -o /dev/null \
	    -w '%{http_code}\n' --cacert "$pki/trust.pem" \
	    --resolve "$host:$port:127.0.0.1" "$@" "https://$host:$port/ok.txt"
}

G12='NORMAL:-VERS-ALL:+VERS-TLS1.2'
G13='NORMAL:-VERS-ALL:+VERS-TLS1.3'
GOOD=$pki/good-chain.pem

# ---------------------------------------------------------------- success

if begin tls12-openssl-ok; then
	srv_ossl 20101 good "$pki/inter.crt" -no_tls1_3
	cap "tcp port 20101" cli_ossl 20101 good.test.tlsdiag
	end
fi
if begin tls13-openssl-ok; then
	srv_ossl 20102 good "$pki/inter.crt"
	cap "tcp port 20102" cli_ossl 20102 good.test.tlsdiag
	end
fi
if begin tls12-gnutls-ok; then
	srv_gnutls 20103 "$GOOD" good -a
	cap "tcp port 20103" cli_gnutls 20103 good.test.tlsdiag --priority "$G12"
	end
fi
if begin tls13-gnutls-ok; then
	srv_gnutls 20104 "$GOOD" good -a
	cap "tcp port 20104" cli_gnutls 20104 good.test.tlsdiag
	end
fi
if begin tls12-nginx-curl-ok; then
	srv_nginx 20105 "$(nginx_tls good.test.tlsdiag good-chain.pem good)"
	cap "tcp port 20105" cli_curl 20105 good.test.tlsdiag --tls-max 1.2
	end
fi
if begin tls13-nginx-curl-ok; then
	srv_nginx 20106 "$(nginx_tls good.test.tlsdiag good-chain.pem good)"
	cap "tcp port 20106" cli_curl 20106 good.test.tlsdiag
	end
fi
if begin tls13-openssl-ok-ipv6; then
	srv_ossl ::1:20107 good "$pki/inter.crt"
	cap "tcp port 20107" cli_ossl ::1:20107 good.test.tlsdiag
	end
fi
if begin tls12-openssl-ok-mtls; then
	srv_ossl 20108 good "$pki/inter.crt" -no_tls1_3 -Verify 2 \
	    -CAfile "$pki/trust.pem"
	cap "tcp port 20108" cli_ossl 20108 good.test.tlsdiag \
	    -cert "$pki/client.crt" -key "$pki/client.key" \
	    -cert_chain "$pki/inter.crt"
	end
fi
if begin tls13-openssl-ok-mtls; then
	srv_ossl 20109 good "$pki/inter.crt" -Verify 2 -CAfile "$pki/trust.pem"
	cap "tcp port 20109" cli_ossl 20109 good.test.tlsdiag \
	    -cert "$pki/client.crt" -key "$pki/client.key" \
	    -cert_chain "$pki/inter.crt"
	end
fi
if begin tls12-openssl-ok-wildcard; then
	srv_ossl 20110 wild "$pki/inter.crt" -no_tls1_3
	cap "tcp port 20110" cli_ossl 20110 www.wild.test.tlsdiag
	end
fi
if begin tls12-openssl-ok-ocsp; then
	srv_ossl 20111 good "$pki/inter.crt" -no_tls1_3 \
	    -status_file "$pki/good.ocsp.der"
	cap "tcp port 20111" cli_ossl 20111 good.test.tlsdiag -status
	end
fi
if begin tls13-gnutls-ok-ocsp; then
	srv_gnutls 20112 "$GOOD" good -a --ocsp-response "$pki/good.ocsp.der"
	cap "tcp port 20112" cli_gnutls 20112 good.test.tlsdiag
	end
fi
# Two connections: a full handshake that stores the session, then one that
# resumes it (no Certificate message in the second).
ossl_resume() {
	cli_ossl "$1" good.test.tlsdiag -sess_out "$tmp/sess" "${@:2}" &&
	    cli_ossl "$1" good.test.tlsdiag -sess_in "$tmp/sess" "${@:2}"
}
if begin tls12-openssl-ok-resumption; then
	srv_ossl 20113 good "$pki/inter.crt" -no_tls1_3
	cap "tcp port 20113" ossl_resume 20113
	end
fi
if begin tls13-openssl-ok-resumption; then
	srv_ossl 20114 good "$pki/inter.crt"
	cap "tcp port 20114" ossl_resume 20114
	end
fi
# The client's key share is for X25519, the server only does P-256: the
# server answers with a HelloRetryRequest and the handshake then succeeds.
if begin tls13-openssl-ok-hrr; then
	srv_ossl 20115 good "$pki/inter.crt" -groups P-256
	cap "tcp port 20115" cli_ossl 20115 good.test.tlsdiag \
	    -groups X25519:P-256
	end
fi
# The client updates its keys and asks the server to update its own
# (s_client's "K" command: a KeyUpdate with update_requested), then closes
# without a request ("Q": close_notify).  With the key log, the records
# after a KeyUpdate are opened with the next application traffic secret,
# which the reader derives (RFC 8446 7.2).
ossl_keyupdate() {
	{ printf 'K\n'; sleep 0.5; printf 'Q\n'; } | timeout "${TMO:-10}" \
	    openssl s_client -connect "127.0.0.1:$1" \
	    -servername good.test.tlsdiag -verify_hostname good.test.tlsdiag \
	    -CAfile "$pki/trust.pem" -verify_return_error -keylogfile "$KEYLOG"
}
if begin tls13-openssl-ok-keyupdate; then
	srv_ossl 20116 good "$pki/inter.crt"
	cap "tcp port 20116" ossl_keyupdate 20116
	end
fi

# ---------------------------------------------------------------- certificates

# cert_scenarios LABEL BASEPORT HOST LEAF CHAINFILE-FOR-OPENSSL
#                CERTFILE-FOR-GNUTLS-AND-NGINX [OSSL_CLIENT_ARGS...]
# The six standard variants of a certificate failure: openssl, gnutls and
# nginx+curl, each in TLS 1.2 and 1.3, ports BASEPORT+1..+6.
cert_scenarios() {
	local label=$1 base=$2 host=$3 leaf=$4 chain=$5 certs=$6
	shift 6
	local ncerts=${certs#"$pki"/}
	if begin "tls12-openssl-$label"; then
		srv_ossl $((base + 1)) "$leaf" "$chain" -no_tls1_3
		cap "tcp port $((base + 1))" cli_ossl $((base + 1)) "$host" "$@"
		end
	fi
	if begin "tls13-openssl-$label"; then
		srv_ossl $((base + 2)) "$leaf" "$chain"
		cap "tcp port $((base + 2))" cli_ossl $((base + 2)) "$host" "$@"
		end
	fi
	if begin "tls12-gnutls-$label"; then
		srv_gnutls $((base + 3)) "$certs" "$leaf" -a
		cap "tcp port $((base + 3))" cli_gnutls $((base + 3)) "$host" \
		    --priority "$G12"
		end
	fi
	if begin "tls13-gnutls-$label"; then
		srv_gnutls $((base + 4)) "$certs" "$leaf" -a
		cap "tcp port $((base + 4))" cli_gnutls $((base + 4)) "$host"
		end
	fi
	if begin "tls12-nginx-curl-$label"; then
		srv_nginx $((base + 5)) "$(nginx_tls "$host" "$ncerts" "$leaf")"
		cap "tcp port $((base + 5))" cli_curl $((base + 5)) "$host" \
		    --tls-max 1.2
		end
	fi
	if begin "tls13-nginx-curl-$label"; then
		srv_nginx $((base + 6)) "$(nginx_tls "$host" "$ncerts" "$leaf")"
		cap "tcp port $((base + 6))" cli_curl $((base + 6)) "$host"
		end
	fi
}

cert_scenarios cert_expired 20200 expired.test.tlsdiag expired \
    "$pki/inter.crt" "$pki/expired-chain.pem"
if begin tls12-openssl-cert_expired-notyet; then
	srv_ossl 20207 notyet "$pki/inter.crt" -no_tls1_3
	cap "tcp port 20207" cli_ossl 20207 notyet.test.tlsdiag
	end
fi
if begin tls13-gnutls-cert_expired-notyet; then
	srv_gnutls 20208 "$pki/notyet-chain.pem" notyet -a
	cap "tcp port 20208" cli_gnutls 20208 notyet.test.tlsdiag
	end
fi

cert_scenarios cert_self_signed 20300 selfsigned.test.tlsdiag selfsigned \
    - "$pki/selfsigned.crt"

# The good leaf, served without its intermediate.
cert_scenarios cert_incomplete_chain 20400 good.test.tlsdiag good \
    - "$pki/good.crt"

# A leaf whose chain (sent complete, with its root) ends in a root the
# client does not trust.
cert_scenarios cert_untrusted_ca 20500 untrusted.test.tlsdiag untrusted \
    "$pki/untrusted-root.crt" "$pki/untrusted-chain.pem"

# The client asks for mismatch.test.tlsdiag, the server has a certificate
# for other.test.tlsdiag only.
cert_scenarios cert_name_mismatch 20600 mismatch.test.tlsdiag other \
    "$pki/inter.crt" "$pki/other-chain.pem"

# ---------------------------------------------------------------- revoked
#
# The server staples an OCSP response saying "revoked" (TLS 1.2:
# CertificateStatus message; TLS 1.3: status_request extension of the
# Certificate entry).  s_client -status only prints a stapled response, it
# never fails on it, so the openssl client also checks the CRL
# (-crl_check); gnutls-cli fails on a stapled revoked response by itself;
# curl --cert-status fails only after the handshake has completed.

if begin tls12-openssl-cert_revoked; then
	srv_ossl 20701 revoked "$pki/inter.crt" -no_tls1_3 \
	    -status_file "$pki/revoked.ocsp.der"
	cap "tcp port 20701" cli_ossl 20701 revoked.test.tlsdiag -status \
	    -CRL "$pki/inter.crl" -crl_check
	end
fi
if begin tls13-openssl-cert_revoked; then
	srv_ossl 20702 revoked "$pki/inter.crt" \
	    -status_file "$pki/revoked.ocsp.der"
	cap "tcp port 20702" cli_ossl 20702 revoked.test.tlsdiag -status \
	    -CRL "$pki/inter.crl" -crl_check
	end
fi
if begin tls12-gnutls-cert_revoked; then
	srv_gnutls 20703 "$pki/revoked-chain.pem" revoked -a \
	    --ignore-ocsp-response-errors \
	    --ocsp-response "$pki/revoked.ocsp.der"
	cap "tcp port 20703" cli_gnutls 20703 revoked.test.tlsdiag \
	    --priority "$G12"
	end
fi
if begin tls13-gnutls-cert_revoked; then
	srv_gnutls 20704 "$pki/revoked-chain.pem" revoked -a \
	    --ignore-ocsp-response-errors \
	    --ocsp-response "$pki/revoked.ocsp.der"
	cap "tcp port 20704" cli_gnutls 20704 revoked.test.tlsdiag
	end
fi
REVOKED_NGINX="ssl_stapling on; ssl_stapling_file @PKI@/revoked.ocsp.der;"
if begin tls12-nginx-curl-cert_revoked; then
	srv_nginx 20705 "$(nginx_tls revoked.test.tlsdiag revoked-chain.pem revoked \
	    "$REVOKED_NGINX")"
	cap "tcp port 20705" cli_curl 20705 revoked.test.tlsdiag --tls-max 1.2 \
	    --cert-status
	end
fi
if begin tls13-nginx-curl-cert_revoked; then
	srv_nginx 20706 "$(nginx_tls revoked.test.tlsdiag revoked-chain.pem revoked \
	    "$REVOKED_NGINX")"
	cap "tcp port 20706" cli_curl 20706 revoked.test.tlsdiag --cert-status
	end
fi

# ---------------------------------------------------------------- client clock
#
# A valid server (good leaf, full chain) and a client whose clock is wrong:
# 2050 (everything looks expired) or mid-2019 (nothing is valid yet).
# tcpdump's timestamps come from the kernel and stay true.

FUTURE='2050-01-01 12:00:00'
PAST='2019-06-01 12:00:00'
CLOCK_2024='2024-06-01 12:00:00'
if begin tls12-openssl-client_clock; then
	srv_ossl 20801 good "$pki/inter.crt" -no_tls1_3
	PRE=(faketime "$FUTURE")
	cap "tcp port 20801" cli_ossl 20801 good.test.tlsdiag
	PRE=()
	end
fi
if begin tls13-openssl-client_clock; then
	srv_ossl 20802 good "$pki/inter.crt"
	PRE=(faketime "$FUTURE")
	cap "tcp port 20802" cli_ossl 20802 good.test.tlsdiag
	PRE=()
	end
fi
if begin tls12-gnutls-client_clock-past; then
	srv_gnutls 20803 "$GOOD" good -a
	PRE=(faketime "$PAST")
	cap "tcp port 20803" cli_gnutls 20803 good.test.tlsdiag --priority "$G12"
	PRE=()
	end
fi
# GnuTLS refuses every certificate fault with bad_certificate, so one
# refusal of a valid chain cannot be told from a root the client lacks.  A
# host whose clock went back (to mid-2024) shows more: it still works with
# a server whose certificate expired since (valid in 2024, the same root),
# and fails only with the renewed one.  Both connections are in the capture,
# the accepted one first.
gnutls_two_servers() {
	cli_gnutls 20807 expired.test.tlsdiag
	cli_gnutls 20804 good.test.tlsdiag
}
if begin tls13-gnutls-client_clock; then
	srv_gnutls 20807 "$pki/expired-chain.pem" expired -a
	srv_gnutls 20804 "$GOOD" good -a
	PRE=(faketime "$CLOCK_2024")
	cap "tcp port 20807 or tcp port 20804" gnutls_two_servers
	PRE=()
	end
fi
if begin tls13-nginx-curl-client_clock; then
	srv_nginx 20805 "$(nginx_tls good.test.tlsdiag good-chain.pem good)"
	PRE=(faketime "$FUTURE")
	cap "tcp port 20805" cli_curl 20805 good.test.tlsdiag
	PRE=()
	end
fi
if begin tls12-nginx-curl-client_clock-past; then
	srv_nginx 20806 "$(nginx_tls good.test.tlsdiag good-chain.pem good)"
	PRE=(faketime "$PAST")
	cap "tcp port 20806" cli_curl 20806 good.test.tlsdiag --tls-max 1.2
	PRE=()
	end
fi

# ---------------------------------------------------------------- versions

# An old client (TLS 1.0 or 1.1 only) against a TLS 1.2+ server.
if begin tls10-openssl-protocol_mismatch; then
	srv_ossl 20901 good "$pki/inter.crt" -min_protocol TLSv1.2
	cap "tcp port 20901" cli_ossl 20901 good.test.tlsdiag -tls1 \
	    -cipher 'DEFAULT@SECLEVEL=0'
	end
fi
# The same client against s_server with Debian's defaults, which do not
# disable TLS 1.0 as such but find no signature algorithm allowed at
# security level 2 for it: the server answers internal_error, not
# protocol_version.
if begin tls10-openssl-protocol_mismatch-internal_error; then
	srv_ossl 20908 good "$pki/inter.crt"
	cap "tcp port 20908" cli_ossl 20908 good.test.tlsdiag -tls1 \
	    -cipher 'DEFAULT@SECLEVEL=0'
	end
fi
if begin tls11-gnutls-protocol_mismatch; then
	srv_gnutls 20902 "$GOOD" good -a \
	    --priority 'NORMAL:-VERS-TLS1.1:-VERS-TLS1.0'
	cap "tcp port 20902" cli_gnutls 20902 good.test.tlsdiag \
	    --priority 'NORMAL:-VERS-ALL:+VERS-TLS1.1:%VERIFY_ALLOW_SIGN_WITH_SHA1'
	end
fi
if begin tls10-nginx-curl-protocol_mismatch; then
	srv_nginx 20903 "$(nginx_tls good.test.tlsdiag good-chain.pem good \
	    'ssl_protocols TLSv1.2 TLSv1.3;')"
	cap "tcp port 20903" cli_curl 20903 good.test.tlsdiag --tlsv1.0 \
	    --tls-max 1.0 --ciphers 'DEFAULT@SECLEVEL=0'
	end
fi
# A TLS 1.3-only server and a client that stops at TLS 1.2.
if begin tls12-openssl-protocol_mismatch-server13only; then
	srv_ossl 20904 good "$pki/inter.crt" -tls1_3
	cap "tcp port 20904" cli_ossl 20904 good.test.tlsdiag -tls1_2
	end
fi
if begin tls12-nginx-curl-protocol_mismatch-server13only; then
	srv_nginx 20905 "$(nginx_tls good.test.tlsdiag good-chain.pem good \
	    'ssl_protocols TLSv1.3;')"
	cap "tcp port 20905" cli_curl 20905 good.test.tlsdiag --tls-max 1.2
	end
fi
if begin tls12-gnutls-protocol_mismatch-server13only; then
	srv_gnutls 20906 "$GOOD" good -a --priority "$G13"
	cap "tcp port 20906" cli_gnutls 20906 good.test.tlsdiag --priority "$G12"
	end
fi
# A TLS 1.3-only client and a server that stops at TLS 1.2: the server
# answers with a TLS 1.2 ServerHello and the client refuses it.
if begin tls13-openssl-protocol_mismatch-client13only; then
	srv_ossl 20907 good "$pki/inter.crt" -no_tls1_3
	cap "tcp port 20907" cli_ossl 20907 good.test.tlsdiag -tls1_3
	end
fi

# ---------------------------------------------------------------- ciphers

# A legacy client offering only static-RSA CBC suites; a server offering only
# ECDHE with AES-GCM.
if begin tls12-openssl-cipher_mismatch; then
	srv_ossl 21001 good "$pki/inter.crt" -no_tls1_3 \
	    -cipher 'ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256'
	cap "tcp port 21001" cli_ossl 21001 good.test.tlsdiag -tls1_2 \
	    -cipher 'AES128-SHA:AES256-SHA'
	end
fi
if begin tls12-gnutls-cipher_mismatch; then
	srv_gnutls 21002 "$GOOD" good -a \
	    --priority 'NORMAL:-CIPHER-ALL:+AES-256-GCM:+AES-128-GCM'
	cap "tcp port 21002" cli_gnutls 21002 good.test.tlsdiag \
	    --priority "$G12:-CIPHER-ALL:+CHACHA20-POLY1305"
	end
fi
if begin tls12-nginx-curl-cipher_mismatch; then
	srv_nginx 21003 "$(nginx_tls good.test.tlsdiag good-chain.pem good \
	    'ssl_protocols TLSv1.2; ssl_ciphers ECDHE-RSA-AES256-GCM-SHA384;')"
	cap "tcp port 21003" cli_curl 21003 good.test.tlsdiag --tls-max 1.2 \
	    --ciphers 'AES128-SHA:AES256-SHA'
	end
fi
if begin tls13-openssl-cipher_mismatch; then
	srv_ossl 21004 good "$pki/inter.crt" -tls1_3 \
	    -ciphersuites TLS_AES_256_GCM_SHA384
	cap "tcp port 21004" cli_ossl 21004 good.test.tlsdiag -tls1_3 \
	    -ciphersuites TLS_CHACHA20_POLY1305_SHA256
	end
fi
# No common key-exchange group: X25519-only client, P-384-only server.
if begin tls13-openssl-cipher_mismatch-groups; then
	srv_ossl 21005 good "$pki/inter.crt" -tls1_3 -groups P-384
	cap "tcp port 21005" cli_ossl 21005 good.test.tlsdiag -groups X25519
	end
fi

# ---------------------------------------------------------------- SNI
#
# nginx's default server refuses handshakes without a known name
# (ssl_reject_handshake on); only good.test.tlsdiag has a certificate.

NGINX_SNI="
	server {
		listen 127.0.0.1:@PORT@ ssl default_server;
		ssl_reject_handshake on;
	}
$(nginx_tls good.test.tlsdiag good-chain.pem good)"
if begin tls12-nginx-openssl-sni; then
	srv_nginx 21101 "$NGINX_SNI"
	NOSNI=1 cap "tcp port 21101" cli_ossl 21101 good.test.tlsdiag -tls1_2
	end
fi
if begin tls13-nginx-openssl-sni; then
	srv_nginx 21102 "$NGINX_SNI"
	NOSNI=1 cap "tcp port 21102" cli_ossl 21102 good.test.tlsdiag
	end
fi
# curl sends no SNI when the URL has an IP address.
curl_ip() {
	SSLKEYLOGFILE=$KEYLOG timeout 10 curl -sS -o /dev/null \
	    --cacert "$pki/trust.pem" "https://127.0.0.1:$1/ok.txt"
}
if begin tls13-nginx-curl-sni; then
	srv_nginx 21103 "$NGINX_SNI"
	cap "tcp port 21103" curl_ip 21103
	end
fi
# The other classic form: the server's default certificate (for another
# name) goes to the client that sent no SNI.
NGINX_SNI_DEFAULT="
	server {
		listen 127.0.0.1:@PORT@ ssl default_server;
		ssl_certificate @PKI@/other-chain.pem;
		ssl_certificate_key @PKI@/other.key;
		return 421;
	}
$(nginx_tls good.test.tlsdiag good-chain.pem good)"
if begin tls13-nginx-openssl-sni-defaultcert; then
	srv_nginx 21104 "$NGINX_SNI_DEFAULT"
	NOSNI=1 cap "tcp port 21104" cli_ossl 21104 good.test.tlsdiag
	end
fi
# (gnutls-serv --sni-hostname-fatal only rejects a different name, not a
# missing one, so gnutls has no scenario here.)

# ---------------------------------------------------------------- mTLS

if begin tls12-openssl-client_cert_required; then
	srv_ossl 21201 good "$pki/inter.crt" -no_tls1_3 -Verify 2 \
	    -CAfile "$pki/trust.pem"
	cap "tcp port 21201" cli_ossl 21201 good.test.tlsdiag
	end
fi
if begin tls13-openssl-client_cert_required; then
	srv_ossl 21202 good "$pki/inter.crt" -Verify 2 -CAfile "$pki/trust.pem"
	cap "tcp port 21202" cli_ossl 21202 good.test.tlsdiag
	end
fi
if begin tls12-gnutls-client_cert_required; then
	srv_gnutls 21203 "$GOOD" good -r --verify-client-cert \
	    --x509cafile "$pki/trust.pem"
	cap "tcp port 21203" cli_gnutls 21203 good.test.tlsdiag --priority "$G12"
	end
fi
if begin tls13-gnutls-client_cert_required; then
	srv_gnutls 21204 "$GOOD" good -r --verify-client-cert \
	    --x509cafile "$pki/trust.pem"
	cap "tcp port 21204" cli_gnutls 21204 good.test.tlsdiag
	end
fi

# ---------------------------------------------------------------- ALPN

if begin tls12-openssl-alpn_mismatch; then
	srv_ossl 21301 good "$pki/inter.crt" -no_tls1_3 -alpn h2
	cap "tcp port 21301" cli_ossl 21301 good.test.tlsdiag -alpn http/1.1
	end
fi
if begin tls13-openssl-alpn_mismatch; then
	srv_ossl 21302 good "$pki/inter.crt" -alpn h2
	cap "tcp port 21302" cli_ossl 21302 good.test.tlsdiag -alpn http/1.1
	end
fi
if begin tls12-gnutls-alpn_mismatch; then
	srv_gnutls 21303 "$GOOD" good -a --alpn h2 --alpn-fatal
	cap "tcp port 21303" cli_gnutls 21303 good.test.tlsdiag --priority "$G12" \
	    --alpn http/1.1
	end
fi
if begin tls13-gnutls-alpn_mismatch; then
	srv_gnutls 21304 "$GOOD" good -a --alpn h2 --alpn-fatal
	cap "tcp port 21304" cli_gnutls 21304 good.test.tlsdiag --alpn http/1.1
	end
fi

# ---------------------------------------------------------------- not TLS

# Plain HTTP to a TLS port: nginx answers with its own HTTP 400.
if begin plain-nginx-curl-not_tls; then
	srv_nginx 21401 "$(nginx_tls good.test.tlsdiag good-chain.pem good)"
	cap "tcp port 21401" timeout 10 curl -sS -o /dev/null \
	    -w '%{http_code}\n' http://127.0.0.1:21401/ok.txt
	end
fi
# Plain HTTP to openssl s_server, which just drops the connection.
if begin plain-openssl-curl-not_tls; then
	srv_ossl 21402 good "$pki/inter.crt"
	cap "tcp port 21402" timeout 10 curl -sS -o /dev/null \
	    http://127.0.0.1:21402/ok.txt
	end
fi
NGINX_PLAIN="
	server {
		listen 127.0.0.1:@PORT@;
		location / { return 200 \"ok\\n\"; }
	}"
# TLS clients against a plain HTTP server.
if begin tls13-nginx-curl-not_tls-plain_server; then
	srv_nginx 21403 "$NGINX_PLAIN"
	cap "tcp port 21403" cli_curl 21403 good.test.tlsdiag
	end
fi
if begin tls12-nginx-openssl-not_tls-plain_server; then
	srv_nginx 21404 "$NGINX_PLAIN"
	cap "tcp port 21404" cli_ossl 21404 good.test.tlsdiag -tls1_2
	end
fi
# A TLS client against a server speaking another protocol (an SSH banner).
if begin tls13-socat-gnutls-not_tls-ssh_banner; then
	bg srv-21405 socat TCP-LISTEN:21405,bind=127.0.0.1,reuseaddr,fork \
	    SYSTEM:"printf 'SSH-2.0-OpenSSH_9.2p1 Debian-2\\r\\n'; sleep 2"
	wait_listen 21405
	cap "tcp port 21405" cli_gnutls 21405 good.test.tlsdiag
	end
fi

# ---------------------------------------------------------------- silence

# A listener that accepts, reads and never answers; the clients give up.
silent_server() {
	bg "srv-$1" socat "TCP-LISTEN:$1,bind=127.0.0.1,reuseaddr,fork" \
	    SYSTEM:'sleep 6'
	wait_listen "$1"
}
if begin tls13-socat-openssl-no_server_response; then
	silent_server 21501
	TMO=3 cap "tcp port 21501" cli_ossl 21501 good.test.tlsdiag
	end
fi
if begin tls13-socat-curl-no_server_response; then
	silent_server 21502
	cap "tcp port 21502" cli_curl 21502 good.test.tlsdiag --max-time 3
	end
fi
if begin tls12-socat-gnutls-no_server_response; then
	silent_server 21503
	TMO=3 cap "tcp port 21503" cli_gnutls 21503 good.test.tlsdiag \
	    --priority "$G12"
	end
fi

# ---------------------------------------------------------------- resets

rst_server() {
	bg "srv-$1" python3 "$tools/rst_server.py" 127.0.0.1 "$1"
	wait_listen "$1"
}
if begin tls13-python-openssl-connection_reset; then
	rst_server 21601
	cap "tcp port 21601" cli_ossl 21601 good.test.tlsdiag
	end
fi
if begin tls13-python-curl-connection_reset; then
	rst_server 21602
	cap "tcp port 21602" cli_curl 21602 good.test.tlsdiag
	end
fi
if begin tls12-python-gnutls-connection_reset; then
	rst_server 21603
	cap "tcp port 21603" cli_gnutls 21603 good.test.tlsdiag --priority "$G12"
	end
fi

# ---------------------------------------------------------------- interception
#
# sslsplit, like a corporate TLS inspection proxy, sits on port P and
# forwards to the real server on port P+1, presenting certificates it mints
# with the interception CA.  Each capture holds a direct connection to the
# real server first (the certificate everyone else sees), then the one
# through the proxy (both of its legs are on the captured ports).

# intercept PROXYPORT: start the real server on PROXYPORT+1 and sslsplit.
intercept() {
	local p=$1 s=$(($1 + 1))
	srv_ossl "$s" good "$pki/inter.crt"
	mkdir -p "$tmp/sslsplit-$p"
	bg "srv-$p" sslsplit -D -k "$pki/intercept-ca.key" \
	    -c "$pki/intercept-ca.crt" -l "$tmp/sslsplit-$p/connect.log" \
	    ssl 127.0.0.1 "$p" 127.0.0.1 "$s"
	wait_listen "$p"
}
direct_then_proxied() {
	local p=$1
	shift
	cli_ossl $((p + 1)) good.test.tlsdiag "$@"
	cli_ossl "$p" good.test.tlsdiag "$@"
}
curl_direct_then_proxied() {
	cli_curl $(($1 + 1)) good.test.tlsdiag
	cli_curl "$1" good.test.tlsdiag
}
if begin tls13-sslsplit-openssl-interception; then
	intercept 21701
	cap "tcp port 21701 or tcp port 21702" direct_then_proxied 21701
	end
fi
if begin tls12-sslsplit-openssl-interception; then
	intercept 21703
	cap "tcp port 21703 or tcp port 21704" direct_then_proxied 21703 -tls1_2
	end
fi
if begin tls13-sslsplit-curl-interception; then
	intercept 21705
	cap "tcp port 21705 or tcp port 21706" curl_direct_then_proxied 21705
	end
fi
# The same proxy, but the client trusts the interception CA (as managed
# corporate laptops do): the handshake succeeds with the minted certificate.
if begin tls13-sslsplit-openssl-interception-trusted; then
	intercept 21707
	cap "tcp port 21707 or tcp port 21708" cli_ossl 21707 good.test.tlsdiag \
	    -CAfile "$pki/trust-with-intercept.pem"
	end
fi

# ---------------------------------------------------------------- client bugs

# A client whose ClientHello is malformed (broken server_name length).
if begin tls12-python-openssl-client_software; then
	srv_ossl 21801 good "$pki/inter.crt"
	cap "tcp port 21801" python3 "$tools/bad_hello.py" 127.0.0.1 21801 \
	    good.test.tlsdiag
	end
fi
if begin tls12-python-gnutls-client_software; then
	srv_gnutls 21802 "$GOOD" good -a
	cap "tcp port 21802" python3 "$tools/bad_hello.py" 127.0.0.1 21802 \
	    good.test.tlsdiag
	end
fi

# ---------------------------------------------------------------- unknown

# The server (seen through cut_relay.py on port P, real server on P+1)
# answers with a ServerHello and hangs up without an alert.
if begin tls13-relay-openssl-unknown; then
	srv_ossl 21902 good "$pki/inter.crt"
	bg srv-21901 python3 "$tools/cut_relay.py" 127.0.0.1 21901 127.0.0.1 21902
	wait_listen 21901
	cap "tcp port 21901" cli_ossl 21901 good.test.tlsdiag
	end
fi
if begin tls12-relay-openssl-unknown; then
	srv_ossl 21904 good "$pki/inter.crt" -no_tls1_3
	bg srv-21903 python3 "$tools/cut_relay.py" 127.0.0.1 21903 127.0.0.1 21904
	wait_listen 21903
	cap "tcp port 21903" cli_ossl 21903 good.test.tlsdiag
	end
fi
# Certificate faults the cause table has no label for (see README): a leaf
# without the serverAuth extended key usage, a 1024-bit RSA key, a SHA-1
# signature.  The servers need security level 0 to load the weak ones.
if begin tls12-openssl-unknown-noeku; then
	srv_ossl 21905 noeku "$pki/inter.crt" -no_tls1_3
	cap "tcp port 21905" cli_ossl 21905 noeku.test.tlsdiag
	end
fi
if begin tls13-gnutls-unknown-noeku; then
	srv_gnutls 21906 "$pki/noeku-chain.pem" noeku -a
	cap "tcp port 21906" cli_gnutls 21906 noeku.test.tlsdiag
	end
fi
if begin tls12-openssl-unknown-weak_key; then
	srv_ossl 21907 weak "$pki/inter.crt" -no_tls1_3 -cipher 'DEFAULT@SECLEVEL=0'
	cap "tcp port 21907" cli_ossl 21907 weak.test.tlsdiag
	end
fi
if begin tls12-openssl-unknown-sha1; then
	srv_ossl 21908 sha1 "$pki/inter.crt" -no_tls1_3 -cipher 'DEFAULT@SECLEVEL=0'
	cap "tcp port 21908" cli_ossl 21908 sha1.test.tlsdiag
	end
fi
if begin tls13-gnutls-unknown-sha1; then
	srv_gnutls 21909 "$pki/sha1-chain.pem" sha1 -a
	cap "tcp port 21909" cli_gnutls 21909 sha1.test.tlsdiag
	end
fi

# ---------------------------------------------------------------- chain faults
#
# Added after the first set (pki/gen.sh --extra made their certificates);
# ports 22001-22008.  Make them alone with
#   sudo bash captures/generate.sh '*-wrong_order' '*-bad_signature' \
#       '*-ip_san' '*_mismatch-ip'

# The server sends its chain as leaf, root, intermediate.  Clients build the
# path from the set they were sent, so the handshake succeeds; the order is
# still a server misconfiguration (RFC 5246 7.4.2 requires each certificate
# to certify the one before it).  s_server sends a -cert_chain as given.
if begin tls12-openssl-ok-wrong_order; then
	srv_ossl 22001 good "$pki/root-inter.pem" -no_tls1_3
	cap "tcp port 22001" cli_ossl 22001 good.test.tlsdiag
	end
fi
if begin tls12-gnutls-ok-wrong_order; then
	srv_gnutls 22002 "$pki/wrongorder-chain.pem" good -a
	cap "tcp port 22002" cli_gnutls 22002 good.test.tlsdiag --priority "$G12"
	end
fi
if begin tls12-nginx-curl-ok-wrong_order; then
	srv_nginx 22003 "$(nginx_tls good.test.tlsdiag wrongorder-chain.pem good)"
	cap "tcp port 22003" cli_curl 22003 good.test.tlsdiag --tls-max 1.2
	end
fi

# The good leaf with one byte of its signature inverted (badsig.crt, with
# good.key): the server does not notice, the client's signature check
# fails.  No label in the cause table.
if begin tls12-openssl-unknown-bad_signature; then
	srv_ossl 22004 badsig "$pki/inter.crt" -no_tls1_3
	cap "tcp port 22004" cli_ossl 22004 good.test.tlsdiag
	end
fi
if begin tls12-gnutls-unknown-bad_signature; then
	srv_gnutls 22005 "$pki/badsig-chain.pem" badsig -a
	cap "tcp port 22005" cli_gnutls 22005 good.test.tlsdiag --priority "$G12"
	end
fi

# A server reached by IP address (no SNI: RFC 6066 3 forbids IP literals in
# it) whose leaf carries iPAddress SANs 127.0.0.1 and ::1 only; the client
# checks the address.  Then the same client against the good leaf, which
# has DNS names only: the address check fails.
# cli_ossl_ip PORT S_CLIENT_ARGS...: s_client to 127.0.0.1 without SNI,
# checking the IP address 127.0.0.1.
cli_ossl_ip() {
	local port=$1
	shift
	# shellcheck disable=SC2059
	printf "$GET" 127.0.0.1 | timeout "${TMO:-10}" openssl s_client \
	    -connect "127.0.0.1:$port" -noservername -verify_ip 127.0.0.1 \
	    -CAfile "$pki/trust.pem" -verify_return_error -ign_eof "$@"
}
if begin tls12-openssl-ok-ip_san; then
	srv_ossl 22006 ipsan "$pki/inter.crt" -no_tls1_3
	cap "tcp port 22006" cli_ossl_ip 22006
	end
fi
# curl sends no SNI for an IP address in the URL and checks the address.
if begin tls12-nginx-curl-ok-ip_san; then
	srv_nginx 22007 "$(nginx_tls _ ipsan-chain.pem ipsan)"
	cap "tcp port 22007" timeout "${TMO:-10}" curl -sS -o /dev/null \
	    -w '%{http_code}\n' --cacert "$pki/trust.pem" --tls-max 1.2 \
	    "https://127.0.0.1:22007/ok.txt"
	end
fi
if begin tls12-openssl-cert_name_mismatch-ip; then
	srv_ossl 22008 good "$pki/inter.crt" -no_tls1_3
	cap "tcp port 22008" cli_ossl_ip 22008
	end
fi

# ---------------------------------------------------------------- TLS 1.2 keylog
#
# TLS 1.2 with the client's key log (CLIENT_RANDOM lines: the master
# secret).  Only what follows each side's ChangeCipherSpec is encrypted:
# its Finished, application data and any later alert.  A success, then
# curl refusing a certificate that names another host: it checks the name
# after the handshake, so its alert comes after its ChangeCipherSpec and is
# encrypted; the key log reads its description.  The servers choose an
# AEAD suite (ECDHE with AES-GCM), or, in the -cbc- capture, the client
# offers only a CBC one.
if begin tls12-openssl-ok-keylog; then
	srv_ossl 22101 good "$pki/inter.crt" -no_tls1_3
	cap "tcp port 22101" cli_ossl 22101 good.test.tlsdiag
	end
fi
if begin tls12-nginx-curl-cert_name_mismatch-keylog; then
	srv_nginx 22102 "$(nginx_tls mismatch.test.tlsdiag other-chain.pem other)"
	cap "tcp port 22102" cli_curl 22102 mismatch.test.tlsdiag --tls-max 1.2
	end
fi
# The same with a CBC suite (AES-128-CBC with HMAC-SHA1, encrypt_then_mac
# as OpenSSL negotiates it by default): its records are opened too.
if begin tls12-nginx-curl-cert_name_mismatch-cbc-keylog; then
	srv_nginx 22103 "$(nginx_tls mismatch.test.tlsdiag other-chain.pem other)"
	cap "tcp port 22103" cli_curl 22103 mismatch.test.tlsdiag --tls-max 1.2 \
	    --ciphers ECDHE-RSA-AES128-SHA
	end
fi

# ---------------------------------------------------------------- demo

# A short mixed capture for "make demo": successes and distinct failures.
if [ ${#only[@]} = 0 ]; then
	demo=(tls13-openssl-ok tls12-nginx-curl-ok tls12-openssl-cert_expired
	    tls13-gnutls-cert_self_signed tls10-openssl-protocol_mismatch
	    plain-nginx-curl-not_tls tls13-nginx-curl-sni tls13-gnutls-ok
	    tls12-openssl-cert_incomplete_chain)
	files=()
	for n in "${demo[@]}"; do
		files+=("$top/$n.pcap")
	done
	mergecap -F pcap -w "$top/demo.pcap" "${files[@]}"
	echo "demo.pcap: ${demo[*]}"
fi

# A full run also removes captures that no scenario makes any more.
if [ ${#only[@]} = 0 ]; then
	for f in "$top"/*.pcap "$top"/*.keylog; do
		[ -e "$f" ] || continue
		n=$(basename "$f")
		n=${n%.*}
		[ "$n" = demo ] && continue
		keep=0
		for m in "${made[@]}"; do
			[ "$m" = "$n" ] && keep=1
		done
		if [ $keep = 0 ]; then
			echo "removing stale $(basename "$f")"
			rm -f "$f"
		fi
	done
fi

echo "generate.sh: ${#made[@]} captures in $top"
