#!/usr/bin/env python3
"""mkpcap.py -- derive test captures from a real Ethernet capture.

Used by the end-to-end tests to check that every link type and file format
tlsdiag reads gives the same flows as the original, and that broken files
get clear errors.  Output is deterministic (no randomness, no clock).

    python3 tests/mkpcap.py IN.pcap OUTDIR

writes into OUTDIR:
  link-vlan.pcap, link-qinq.pcap        802.1Q / 802.1ad+802.1Q tagged Ethernet
  link-sll.pcap, link-sll2.pcap         Linux cooked v1 / v2
  link-raw.pcap, link-ipv4.pcap         raw IP (LINKTYPE_RAW, LINKTYPE_IPV4)
  link-null.pcap, link-loop.pcap        BSD loopback (host order / network order)
  link-null-be.pcap                     DLT_NULL written by a big-endian host
  format-pcapng.pcapng                  the original as pcapng
  format-nsec.pcap                      nanosecond-resolution pcap
  format-swapped.pcap                   big-endian pcap header and records
  bad-truncated.pcap                    the file cut inside its last packet
  bad-notcapture.pcap                   a text file
  bad-linktype.pcap                     an unsupported link type (USER0, 147)
  bad-lying-linktype.pcap               Ethernet frames labelled as raw IP
  bad-snaplen.pcap                      every packet cut to 80 bytes
  bad-empty.pcap                        an empty file
"""
import os
import struct
import sys

LINKTYPE_ETHERNET = 1
LINKTYPE_NULL = 0
LINKTYPE_RAW = 101
LINKTYPE_LOOP = 108
LINKTYPE_LINUX_SLL = 113
LINKTYPE_LINUX_SLL2 = 276
LINKTYPE_IPV4 = 228
LINKTYPE_USER0 = 147


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic == 0xA1B2C3D4:
        e, nsec = "<", False
    elif magic == 0xA1B23C4D:
        e, nsec = "<", True
    elif magic == 0xD4C3B2A1:
        e, nsec = ">", False
    elif magic == 0x4D3CB2A1:
        e, nsec = ">", True
    else:
        sys.exit("mkpcap: %s: not a classic pcap file" % path)
    _, _, _, _, _, snap, lt = struct.unpack(e + "IHHiIII", data[:24])
    if lt != LINKTYPE_ETHERNET:
        sys.exit("mkpcap: %s: link type %d, need Ethernet" % (path, lt))
    pkts, off = [], 24
    while off + 16 <= len(data):
        sec, frac, cap, wire = struct.unpack(e + "IIII", data[off:off + 16])
        usec = frac // 1000 if nsec else frac
        pkts.append((sec, usec, wire, data[off + 16:off + 16 + cap]))
        off += 16 + cap
    return pkts


def write_pcap(path, linktype, pkts, endian="<", nsec=False, snap=262144):
    magic = 0xA1B23C4D if nsec else 0xA1B2C3D4
    with open(path, "wb") as f:
        f.write(struct.pack(endian + "IHHiIII", magic, 2, 4, 0, 0, snap,
                            linktype))
        for sec, usec, wire, frame in pkts:
            frac = usec * 1000 if nsec else usec
            f.write(struct.pack(endian + "IIII", sec, frac, len(frame), wire))
            f.write(frame)


def write_pcapng(path, linktype, pkts):
    def block(btype, body):
        body += b"\0" * (-len(body) % 4)
        n = 12 + len(body)
        return struct.pack("<II", btype, n) + body + struct.pack("<I", n)

    with open(path, "wb") as f:
        f.write(block(0x0A0D0D0A,
                      struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)))
        f.write(block(0x00000001, struct.pack("<HHI", linktype, 0, 262144)))
        for sec, usec, wire, frame in pkts:
            ts = sec * 1000000 + usec
            f.write(block(0x00000006, struct.pack(
                "<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(frame), wire)
                + frame))


def relink(pkts, fn, grow):
    """Apply fn to each Ethernet frame; grow is the change in length."""
    return [(s, u, w + grow, fn(fr)) for s, u, w, fr in pkts]


def vlan(fr):
    return fr[:12] + struct.pack(">HH", 0x8100, 42) + fr[12:]


def qinq(fr):
    return fr[:12] + struct.pack(">HHHH", 0x88A8, 7, 0x8100, 42) + fr[12:]


def sll(fr):
    return struct.pack(">HHH", 0, 1, 6) + fr[6:12] + b"\0\0" + fr[12:]


def sll2(fr):
    return (fr[12:14] + b"\0\0" + struct.pack(">IHBB", 1, 1, 0, 6)
            + fr[6:12] + b"\0\0" + fr[14:])


def ethertype(fr):
    return struct.unpack(">H", fr[12:14])[0]


def null_family(fr, endian, v6):
    return struct.pack(endian + "I", v6 if ethertype(fr) == 0x86DD else 2)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    pkts = read_pcap(src)
    ip = [p for p in pkts if len(p[3]) >= 14 and ethertype(p[3]) in
          (0x0800, 0x86DD)]
    o = lambda n: os.path.join(out, n)

    write_pcap(o("link-vlan.pcap"), LINKTYPE_ETHERNET, relink(pkts, vlan, 4))
    write_pcap(o("link-qinq.pcap"), LINKTYPE_ETHERNET, relink(pkts, qinq, 8))
    write_pcap(o("link-sll.pcap"), LINKTYPE_LINUX_SLL, relink(pkts, sll, 2))
    write_pcap(o("link-sll2.pcap"), LINKTYPE_LINUX_SLL2,
               relink(pkts, sll2, 6))
    write_pcap(o("link-raw.pcap"), LINKTYPE_RAW,
               relink(ip, lambda f: f[14:], -14))
    v4 = [p for p in ip if ethertype(p[3]) == 0x0800]
    if v4 and len(v4) == len(ip):
        write_pcap(o("link-ipv4.pcap"), LINKTYPE_IPV4,
                   relink(v4, lambda f: f[14:], -14))
    # DLT_NULL is in the byte order of the host that wrote the file; the
    # AF_INET6 value differs by OS (Linux 10, BSDs 24/28/30).
    write_pcap(o("link-null.pcap"), LINKTYPE_NULL, relink(
        ip, lambda f: null_family(f, "<", 24) + f[14:], -10))
    write_pcap(o("link-null-be.pcap"), LINKTYPE_NULL, relink(
        ip, lambda f: null_family(f, ">", 30) + f[14:], -10), endian=">")
    write_pcap(o("link-loop.pcap"), LINKTYPE_LOOP, relink(
        ip, lambda f: null_family(f, ">", 28) + f[14:], -10))

    write_pcapng(o("format-pcapng.pcapng"), LINKTYPE_ETHERNET, pkts)
    write_pcap(o("format-nsec.pcap"), LINKTYPE_ETHERNET, pkts, nsec=True)
    write_pcap(o("format-swapped.pcap"), LINKTYPE_ETHERNET, pkts, endian=">")

    write_pcap(o("bad-truncated.pcap"), LINKTYPE_ETHERNET, pkts)
    with open(o("bad-truncated.pcap"), "r+b") as f:
        f.truncate(os.path.getsize(o("bad-truncated.pcap")) - 7)
    with open(o("bad-notcapture.pcap"), "w") as f:
        f.write("GET / HTTP/1.1\r\nHost: example\r\n\r\n")
    write_pcap(o("bad-linktype.pcap"), LINKTYPE_USER0, pkts[:3])
    write_pcap(o("bad-lying-linktype.pcap"), LINKTYPE_RAW, pkts)
    write_pcap(o("bad-snaplen.pcap"), LINKTYPE_ETHERNET,
               [(s, u, w, fr[:80]) for s, u, w, fr in pkts], snap=80)
    open(o("bad-empty.pcap"), "wb").close()


if __name__ == "__main__":
    main()
