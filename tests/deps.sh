#!/bin/sh
# deps.sh -- install the Debian packages tlsdiag needs, if any are missing.
#
#   sh tests/deps.sh build   what building needs (make demo)
#   sh tests/deps.sh test    that, plus what the test suite uses (make check)
#
# As root, missing packages are installed with apt-get.  Otherwise the exact
# apt-get line is printed and the script fails, so make stops.
set -u

build_pkgs="gcc make pkg-config libpcap-dev libwolfssl-dev libmicrohttpd-dev ca-certificates"
test_pkgs="check tshark tcpdump jq python3 valgrind clang libclang-rt-14-dev iproute2 prometheus openssl gnutls-bin nginx-light curl socat ethtool"

case "${1:-build}" in
build) want="$build_pkgs" ;;
test) want="$build_pkgs $test_pkgs" ;;
*) echo "usage: sh tests/deps.sh build|test" >&2; exit 2 ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
	# Not Debian: trust pkg-config to tell whether the libraries are there.
	for p in libpcap wolfssl libmicrohttpd; do
		pkg-config --exists "$p" 2>/dev/null ||
			{ echo "tlsdiag: $p development files not found (pkg-config $p)" >&2; exit 1; }
	done
	exit 0
fi

missing=""
for p in $want; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "tlsdiag: missing Debian packages; as root run:" >&2
	echo "  apt-get install -y$missing" >&2
	exit 1
fi

echo "tlsdiag: installing missing Debian packages:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null &&
	apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
	{ echo "tlsdiag: apt-get install$missing failed" >&2; exit 1; }
