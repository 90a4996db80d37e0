#!/bin/sh
# gen.sh -- record real TLS traffic and build the benchmark capture.
#
#   sh tests/bench/gen.sh            (as root) -> tests/bench/work/bench.pcap
#
# Environment:
#   BENCH_MB=1100        size of the final capture, in MB (10^6 bytes)
#   BENCH_REAL_MB=N      how much real traffic to record before replicating
#                        (default BENCH_MB: all of it real; see step 4)
#   BENCH_GEN_MAX_S=480  stop recording after this many seconds regardless
#   BENCH_JOBS=3         concurrent curl processes (the machine is shared)
#   BENCH_OUT=FILE       output file (default tests/bench/work/bench.pcap)
#
# What it does, in order:
#   1. creates two private network namespaces (server, client) joined by a
#      veth pair with MTU 1500 and offloads (TSO/GSO/GRO, checksum) off, so
#      the capture holds ordinary <= 1514-byte frames with valid checksums,
#      as a span port would; nothing is done to the host's own interfaces;
#   2. generates a private CA and two server certificates (RSA 2048 and
#      ECDSA P-256) for bench.test, and starts nginx with a private prefix
#      under tests/bench/work/nginx, serving random files of 16 KiB - 4 MiB
#      with TLS 1.2 and 1.3 on two high ports:
#        10.77.0.1:8443  h2 + http/1.1, session resumption, keep-alive (3),
#                        RSA and ECDSA certificates, and a default server
#                        that rejects any handshake without SNI bench.test;
#        10.77.0.1:8444  http/1.1, RSA only, no keep-alive, no resumption,
#                        so every request is a full handshake;
#   3. runs tcpdump -s 0 on the client end of the veth and curl (-k, from 32
#      client addresses 10.77.1.1-32) in rounds that mix TLS 1.2 and 1.3,
#      AES-GCM and ChaCha20, h2 and http/1.1, with a few failing handshakes
#      each round: a TLS 1.0-only client, a wrong SNI, no SNI, a cipher
#      mismatch, a client that rejects the certificate (TLS 1.2 and 1.3) and
#      plain HTTP sent to the TLS port;
#   4. stops once BENCH_REAL_MB are recorded (or BENCH_GEN_MAX_S passed),
#      then, if that is less than BENCH_MB, replicates the recording with
#      tests/bench/replicate.c: each copy has shifted timestamps and client
#      addresses moved by 256 per copy, so it is a distinct set of
#      connections.  On an idle 2-core machine real traffic is recorded at
#      about 15 MB/s, so the default 1100 MB is all real and takes about
#      80 s; a slower machine hits the time limit and replicates instead.
# Processes it started and the namespaces are removed on exit, even on error
# or interruption.  It never changes the host's interfaces, routes or MTU.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
work=$here/work
BENCH_MB=${BENCH_MB:-1100}
BENCH_REAL_MB=${BENCH_REAL_MB:-$BENCH_MB}
BENCH_GEN_MAX_S=${BENCH_GEN_MAX_S:-480}
BENCH_JOBS=${BENCH_JOBS:-3}
out=${BENCH_OUT:-$work/bench.pcap}

SRV_IP=10.77.0.1
NCLIENTS=32

die() {
	echo "gen.sh: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || die "must run as root (network namespaces, tcpdump)"
case "$BENCH_MB$BENCH_REAL_MB$BENCH_GEN_MAX_S$BENCH_JOBS" in
*[!0-9]*) die "BENCH_MB, BENCH_REAL_MB, BENCH_GEN_MAX_S, BENCH_JOBS: integers" ;;
esac
[ "$BENCH_REAL_MB" -gt "$BENCH_MB" ] && BENCH_REAL_MB=$BENCH_MB

# Tools: nginx and ethtool may be missing on a fresh machine; the rest are
# in the project's test dependencies (tests/deps.sh).
need=""
command -v nginx >/dev/null 2>&1 || need="$need nginx"
command -v ethtool >/dev/null 2>&1 || need="$need ethtool"
command -v tcpdump >/dev/null 2>&1 || need="$need tcpdump"
command -v curl >/dev/null 2>&1 || need="$need curl"
command -v openssl >/dev/null 2>&1 || need="$need openssl"
command -v ip >/dev/null 2>&1 || need="$need iproute2"
if [ -n "$need" ]; then
	echo "gen.sh: installing$need"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null &&
		apt-get install -y -qq --no-install-recommends $need >/dev/null ||
		die "apt-get install$need failed"
fi

mkdir -p "$work"
cc -O2 -std=c11 -Wall -Wextra -D_DEFAULT_SOURCE \
	-o "$work/replicate" "$here/replicate.c" || die "cannot build replicate"

NS_S=tlsbench-srv-$$
NS_C=tlsbench-cli-$$
pids=""
nginx_pid=""
tcpdump_pid=""

# Everything this script starts runs inside its two namespaces (nginx,
# tcpdump, curl), so "ip netns pids" names exactly the processes to end.
ns_pids() {
	ip netns pids "$NS_C" 2>/dev/null
	ip netns pids "$NS_S" 2>/dev/null
}

cleanup() {
	set +e
	# tcpdump first, with SIGINT, so that it flushes what it has.
	[ -n "$tcpdump_pid" ] && kill -INT "$tcpdump_pid" 2>/dev/null
	p=$(ns_pids)
	[ -n "$p" ] && kill -TERM $p 2>/dev/null
	for p in $pids; do
		kill -TERM "$p" 2>/dev/null
	done
	n=0
	while [ -n "$(ns_pids)" ] && [ $n -lt 30 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	p=$(ns_pids)
	[ -n "$p" ] && kill -KILL $p 2>/dev/null
	wait 2>/dev/null
	ip netns del "$NS_C" 2>/dev/null
	ip netns del "$NS_S" 2>/dev/null
	rm -f "$work"/curl.*.cfg "$work/real.pcap" "$out.tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# Namespaces left by an earlier run that was killed outright (SIGKILL) are
# removed when the run that created them no longer exists.
for ns in $(ip netns list 2>/dev/null | awk '/^tlsbench-(srv|cli)-[0-9]+/ {print $1}'); do
	p=${ns##*-}
	kill -0 "$p" 2>/dev/null || ip netns del "$ns" 2>/dev/null || true
done

t_start=$(date +%s)

# --- 1. network -----------------------------------------------------------
ip netns add "$NS_S"
ip netns add "$NS_C"
ip -n "$NS_S" link add vs mtu 1500 type veth peer name vc mtu 1500 netns "$NS_C"
for pair in "$NS_S vs" "$NS_C vc"; do
	set -- $pair
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip netns exec "$1" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	# Offloads off: the stack then builds MSS-sized segments with real
	# checksums, which is what a capture on a physical link shows.
	for f in tx rx tso gso gro; do
		ip netns exec "$1" ethtool -K "$2" $f off >/dev/null 2>&1 || true
	done
	ip -n "$1" link set lo up
	ip -n "$1" link set "$2" up
done
ip -n "$NS_S" addr add "$SRV_IP/16" dev vs
i=1
while [ $i -le $NCLIENTS ]; do
	ip -n "$NS_C" addr add "10.77.1.$i/16" dev vc
	i=$((i + 1))
done

# --- 2. certificates, content, nginx --------------------------------------
pki=$work/pki
www=$work/www
ngx=$work/nginx
mkdir -p "$pki" "$www" "$ngx/logs" "$ngx/tmp"
if [ ! -s "$pki/rsa.chain" ] || [ ! -s "$pki/ec.chain" ]; then
	printf 'subjectAltName=DNS:bench.test\n' >"$pki/ext"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$pki/ca.key" -out "$pki/ca.crt" -days 3650 \
		-subj "/O=tlsdiag bench/CN=tlsdiag bench CA" 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -keyout "$pki/rsa.key" \
		-out "$pki/rsa.csr" -subj "/CN=bench.test" 2>/dev/null
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$pki/ec.key" -out "$pki/ec.csr" -subj "/CN=bench.test" \
		2>/dev/null
	for k in rsa ec; do
		openssl x509 -req -in "$pki/$k.csr" -CA "$pki/ca.crt" \
			-CAkey "$pki/ca.key" -CAcreateserial -days 365 \
			-extfile "$pki/ext" -out "$pki/$k.crt" 2>/dev/null
		cat "$pki/$k.crt" "$pki/ca.crt" >"$pki/$k.chain"
	done
fi
# Random (incompressible) files, three of each size.
for s in 16 32 64 128 256 512 1024 2048 4096; do
	for n in 0 1 2; do
		f=$www/s${s}k-$n.bin
		[ -s "$f" ] || head -c $((s * 1024)) /dev/urandom >"$f"
	done
done
chmod -R a+rX "$www"

cat >"$ngx/nginx.conf" <<EOF
# Private nginx for tests/bench/gen.sh; generated, do not edit.
daemon off;
master_process on;
worker_processes 1;
pid $ngx/nginx.pid;
error_log $ngx/logs/error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path $ngx/tmp/body;
	proxy_temp_path $ngx/tmp/proxy;
	fastcgi_temp_path $ngx/tmp/fastcgi;
	uwsgi_temp_path $ngx/tmp/uwsgi;
	scgi_temp_path $ngx/tmp/scgi;
	default_type application/octet-stream;
	sendfile on;
	ssl_protocols TLSv1.2 TLSv1.3;
	ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;
	ssl_prefer_server_ciphers off;

	# Without SNI bench.test the handshake is refused (unrecognized_name).
	server {
		listen $SRV_IP:8443 ssl http2 default_server;
		ssl_reject_handshake on;
	}
	server {
		listen $SRV_IP:8443 ssl http2;
		server_name bench.test;
		ssl_certificate $pki/rsa.chain;
		ssl_certificate_key $pki/rsa.key;
		ssl_certificate $pki/ec.chain;
		ssl_certificate_key $pki/ec.key;
		ssl_session_cache shared:bench:10m;
		ssl_session_tickets on;
		keepalive_requests 3;
		root $www;
	}
	server {
		listen $SRV_IP:8444 ssl;
		server_name bench.test;
		ssl_certificate $pki/rsa.chain;
		ssl_certificate_key $pki/rsa.key;
		ssl_session_cache off;
		ssl_session_tickets off;
		keepalive_timeout 0;
		root $www;
	}
}
EOF
ip netns exec "$NS_S" nginx -p "$ngx" -c "$ngx/nginx.conf" \
	-e "$ngx/logs/error.log" &
nginx_pid=$!

CURL="ip netns exec $NS_C curl -s -o /dev/null --connect-timeout 5 -m 60"
RES="--resolve bench.test:8443:$SRV_IP --resolve bench.test:8444:$SRV_IP"
RES="$RES --resolve wrong.example:8443:$SRV_IP"
n=0
until $CURL -k $RES https://bench.test:8443/s16k-0.bin; do
	n=$((n + 1))
	[ $n -lt 50 ] || die "nginx did not come up; see $ngx/logs/error.log"
	kill -0 "$nginx_pid" 2>/dev/null || die "nginx exited; see $ngx/logs/error.log"
	sleep 0.1
done

# --- 3. capture -----------------------------------------------------------
real=$work/real.pcap
rm -f "$real"
ip netns exec "$NS_C" tcpdump -i vc -s 0 -B 65536 -Z root -w "$real" \
	2>"$work/tcpdump.log" &
tcpdump_pid=$!
n=0
until grep -q 'listening on' "$work/tcpdump.log" 2>/dev/null; do
	n=$((n + 1))
	[ $n -lt 100 ] || die "tcpdump did not start; see $work/tcpdump.log"
	sleep 0.1
done

# urls SEED COUNT PORT: a curl config of COUNT downloads; sizes are drawn
# so that most are small and a few are large, mean about 100 KB.
urls() {
	awk -v seed="$1" -v n="$2" -v port="$3" 'BEGIN {
		srand(seed)
		for (i = 0; i < n; i++) {
			r = rand()
			if (r < .50) s = 16; else if (r < .70) s = 32
			else if (r < .82) s = 64; else if (r < .90) s = 128
			else if (r < .95) s = 256; else if (r < .98) s = 512
			else if (r < .992) s = 1024; else if (r < .997) s = 2048
			else s = 4096
			printf "url = \"https://bench.test:%d/s%dk-%d.bin\"\n", \
			    port, s, int(rand() * 3)
			printf "output = \"/dev/null\"\n"
		}
	}'
}

# client ROUND JOB: one curl process with one of five client profiles.
client() {
	ip=10.77.1.$(((($1 * 7) + ($2 * 13)) % NCLIENTS + 1))
	cfg=$work/curl.$2.cfg
	case $((($1 + $2) % 5)) in
	0) urls "$1$2" 24 8443 >"$cfg"; opts="--http1.1" ;;
	1) urls "$1$2" 24 8443 >"$cfg"; opts="--tlsv1.2 --tls-max 1.2 --http2" ;;
	2) urls "$1$2" 16 8444 >"$cfg"; opts="--http1.1" ;;
	3) urls "$1$2" 16 8444 >"$cfg"
	   opts="--tlsv1.2 --tls-max 1.2 --ciphers ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES256-GCM-SHA384" ;;
	*) urls "$1$2" 16 8443 >"$cfg"
	   opts="--tls13-ciphers TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384 --http2" ;;
	esac
	$CURL -k $RES --interface "$ip" $opts -K "$cfg" || true
}

# failures ROUND: handshakes that fail, each for a known reason.
failures() {
	ip=10.77.1.$((($1 * 5) % NCLIENTS + 1))
	c="$CURL $RES --interface $ip"
	# Client offering only TLS 1.0: server sends protocol_version.
	$c -k --tlsv1.0 --tls-max 1.0 --ciphers 'DEFAULT@SECLEVEL=0' \
		https://bench.test:8443/ || true
	# Wrong SNI, then no SNI at all: the default server refuses both.
	$c -k https://wrong.example:8443/ || true
	$c -k "https://$SRV_IP:8443/" || true
	# Cipher mismatch: only RSA key exchange, which the server disabled.
	$c -k --tls-max 1.2 --ciphers AES128-SHA https://bench.test:8444/ || true
	# The client does not trust the private CA (TLS 1.3, then TLS 1.2).
	$c https://bench.test:8443/s16k-0.bin || true
	$c --tls-max 1.2 https://bench.test:8444/s16k-0.bin || true
	# Plain HTTP to the TLS port.
	$c http://bench.test:8443/ || true
}

limit=$((BENCH_REAL_MB * 1000000))
round=0
t_rec=$(date +%s)
while :; do
	size=$(stat -c %s "$real" 2>/dev/null || echo 0)
	[ "$size" -lt "$limit" ] || break
	if [ $(($(date +%s) - t_rec)) -ge "$BENCH_GEN_MAX_S" ]; then
		echo "gen.sh: time limit ${BENCH_GEN_MAX_S}s reached at" \
			"$((size / 1000000)) MB; replicating what was recorded" >&2
		break
	fi
	pids=""
	j=0
	while [ $j -lt "$BENCH_JOBS" ]; do
		client $round $j &
		pids="$pids $!"
		j=$((j + 1))
	done
	failures $round &
	pids="$pids $!"
	for p in $pids; do
		wait "$p" || true
	done
	pids=""
	round=$((round + 1))
done
t_rec_end=$(date +%s)

# Let the last FINs reach the capture, then stop tcpdump cleanly so that
# it flushes and writes its statistics.
sleep 1
kill -INT "$tcpdump_pid"
wait "$tcpdump_pid" || true
tcpdump_pid=""
kill -TERM "$nginx_pid"
wait "$nginx_pid" || true
nginx_pid=""
grep -E 'captured|dropped' "$work/tcpdump.log" | sed 's/^/gen.sh: tcpdump: /' || true

# --- 4. replicate ---------------------------------------------------------
stats=$("$work/replicate" "$real" "$out.tmp" $((BENCH_MB * 1000000)) "$SRV_IP")
mv "$out.tmp" "$out"
rm -f "$real"
t_end=$(date +%s)
echo "gen.sh: recorded $round rounds in $((t_rec_end - t_rec)) s; $stats"
echo "gen.sh: wrote $out ($(stat -c %s "$out") bytes) in $((t_end - t_start)) s"
