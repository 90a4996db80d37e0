#!/usr/bin/env python3
"""cut_relay.py -- a TCP relay in front of a TLS server that passes the
client's bytes through, passes only the server's first TLS record (the
ServerHello) back, then closes both sides with an ordinary FIN.

    python3 cut_relay.py LISTEN_ADDR LISTEN_PORT SERVER_ADDR SERVER_PORT

Used by captures/generate.sh for the "unknown" scenarios: seen from the
client's side of the relay, the server answers the ClientHello with a valid
ServerHello and then hangs up without an alert, which no passive evidence
explains.  Loopback test tool only; one connection at a time.
"""
import socket
import sys


def read_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def serve(conn, up_addr, up_port):
    up = socket.create_connection((up_addr, up_port))
    conn.settimeout(5)
    up.settimeout(5)
    try:
        # The ClientHello fits in one read on loopback.
        hello = conn.recv(65536)
        if not hello:
            return
        up.sendall(hello)
        header = read_exact(up, 5)
        if header is None:
            return
        length = int.from_bytes(header[3:5], "big")
        body = read_exact(up, length)
        if body is None:
            return
        conn.sendall(header + body)
    except OSError:
        pass
    finally:
        up.close()
        conn.shutdown(socket.SHUT_WR)
        # Drain what the client still sends so close() ends in FIN, not RST.
        try:
            while conn.recv(65536):
                pass
        except OSError:
            pass
        conn.close()


def main():
    laddr, lport, saddr, sport = (sys.argv[1], int(sys.argv[2]),
                                  sys.argv[3], int(sys.argv[4]))
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((laddr, lport))
    srv.listen(8)
    while True:
        conn, _ = srv.accept()
        serve(conn, saddr, sport)


if __name__ == "__main__":
    main()
