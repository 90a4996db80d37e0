#!/usr/bin/env python3
"""bad_hello.py -- a deliberately buggy TLS client: it sends one TLS 1.2
ClientHello whose server_name extension is malformed (the inner
ServerNameList length claims more bytes than the extension holds), prints
what the server answers and hangs up.

    python3 bad_hello.py ADDR PORT HOSTNAME

Used by captures/generate.sh for the client_software scenarios: the record
and handshake framing are valid, so a server can parse the hello up to the
broken extension and must answer with a decode_error alert (RFC 8446 6.2,
RFC 5246 7.2.2); the fault is entirely in the client's software.
Loopback test tool only.
"""
import os
import socket
import sys


def u8(n):
    return n.to_bytes(1, "big")


def u16(n):
    return n.to_bytes(2, "big")


def u24(n):
    return n.to_bytes(3, "big")


def ext(etype, body):
    return u16(etype) + u16(len(body)) + body


def client_hello(host):
    name = host.encode("ascii")
    entry = u8(0) + u16(len(name)) + name
    # The bug: the list length is 16 bytes longer than the list.
    sni = ext(0, u16(len(entry) + 16) + entry)
    groups = ext(10, u16(6) + u16(0x001D) + u16(0x0017) + u16(0x0018))
    points = ext(11, u8(1) + u8(0))
    sigalgs = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601]
    sigs = ext(13, u16(2 * len(sigalgs)) + b"".join(u16(s) for s in sigalgs))
    ems = ext(23, b"")
    reneg = ext(0xFF01, u8(0))
    exts = sni + groups + points + sigs + ems + reneg
    suites = [0xC02F, 0xC030, 0xC02B, 0xC02C, 0xCCA8, 0xCCA9, 0x009C, 0x009D]
    body = (u16(0x0303) + os.urandom(32) + u8(0) +
            u16(2 * len(suites)) + b"".join(u16(s) for s in suites) +
            u8(1) + u8(0) + u16(len(exts)) + exts)
    hs = u8(1) + u24(len(body)) + body
    return u8(22) + u16(0x0301) + u16(len(hs)) + hs


def main():
    addr, port, host = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    sock = socket.create_connection((addr, port), timeout=5)
    sock.sendall(client_hello(host))
    try:
        answer = sock.recv(65536)
    except OSError:
        answer = b""
    if len(answer) >= 7 and answer[0] == 21:
        print("server alert: level %d description %d" % (answer[5], answer[6]))
    else:
        print("server answered %d bytes: %s" % (len(answer), answer[:16].hex()))
    sock.close()
    # A buggy client gets a non-zero exit, like a real failed handshake.
    sys.exit(1)


if __name__ == "__main__":
    main()
