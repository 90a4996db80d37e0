#!/usr/bin/env python3
"""rst_server.py -- a TCP listener that resets every connection after the
first bytes it receives (the ClientHello), the way an SNI-filtering firewall
or a crashing TLS terminator does.

    python3 rst_server.py ADDR PORT

Used by captures/generate.sh for the connection_reset scenarios.  It never
sends a byte: SO_LINGER with a zero timeout makes close() send RST instead of
FIN and discard anything unsent.  Loopback test tool only.
"""
import socket
import struct
import sys


def main():
    addr, port = sys.argv[1], int(sys.argv[2])
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    srv = socket.socket(fam, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(8)
    while True:
        conn, _ = srv.accept()
        # Wait for the ClientHello so the reset answers it, not the SYN.
        conn.settimeout(5)
        try:
            conn.recv(65536)
        except OSError:
            pass
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                        struct.pack("ii", 1, 0))
        conn.close()


if __name__ == "__main__":
    main()
