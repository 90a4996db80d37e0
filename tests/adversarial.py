#!/usr/bin/env python3
"""adversarial.py -- generate the hostile captures of tests/adversarial.md.

Issue 7, item 3: captures that try to crash tlsdiag, make it grow without
bound, or fool its TCP reassembly.  Each is built from the real TLS 1.2
byte streams of captures/tls12-openssl-ok.pcap (read with a minimal parser
below), cut and reordered as an attacker or a broken network would.  It
follows RFC 9293 (TCP sequence space, keep-alives 3.8.4, zero-window probes
3.8.6.1), RFC 1071 (checksums) and RFC 5246 6.2 (record framing).  Output is
deterministic: no clock, and the only randomness is random.Random with a
fixed seed.  Standard library only.  It must never write outside OUTDIR (or
PREFIX for `measure`), nor read anything but SOURCE.

    python3 tests/adversarial.py gen SOURCE.pcap OUTDIR [SYNS]

writes the captures into OUTDIR and OUTDIR/expect.sh, shell assignments of
the numbers each capture's expectations are checked against (stream
lengths, bytes altered, packets cut), computed here from the bytes written.

    python3 tests/adversarial.py measure [--lines] PREFIX CMD...

runs CMD with standard output and error in PREFIX.stdout and PREFIX.stderr,
its exit status in PREFIX.status, and "SECONDS MAXRSS_KIB" in PREFIX.res
(wall-clock time and the child's peak resident set, from getrusage), so the
test needs neither GNU time nor /proc.  With --lines, only the first 20
lines of standard output are kept and their number goes to PREFIX.lines.
"""
import os
import random
import resource
import struct
import subprocess
import sys
import time

# No __pycache__ in the source tree from importing the sibling module.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mkpcap import read_pcap, write_pcap  # noqa: E402

LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
SEED = 20261127

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
MSS = 1448
T0 = 1796083200  # 2026-12-01T00:00:00Z: a fixed time, not the clock


def csum(data):
    """The Internet checksum (RFC 1071)."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def ipv4_tcp(src, dst, sport, dport, seq, ack, flags, payload, ttl=64,
             win=65535, ipid=0, ip_opts=b"", tcp_opts=b""):
    """An IPv4 packet holding one TCP segment, with valid checksums."""
    thl = 20 + len(tcp_opts)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF,
                      ack & 0xFFFFFFFF, (thl // 4) << 4, flags, win, 0, 0)
    tcp += tcp_opts
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp) + len(payload))
    c = csum(pseudo + tcp + payload)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    ihl = 20 + len(ip_opts)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | (ihl // 4), 0,
                      ihl + len(tcp) + len(payload), ipid & 0xFFFF, 0x4000,
                      ttl, 6, 0, src, dst) + ip_opts
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + tcp + payload


MAC_CLIENT = bytes.fromhex("525400123456")
MAC_SERVER = bytes.fromhex("0242ac110002")


def ether(dst, src, ip):
    return dst + src + b"\x08\x00" + ip


class Conn:
    """One TCP connection, client (index 0) and server (index 1), as seen
    by a capture point next to the client.  Each method appends packets
    and keeps each side's next sequence number."""

    def __init__(self, pkts, cip="192.168.1.10", cport=51514,
                 sip="10.0.0.1", sport=443, isn=(0x1A2B3C4D, 0x5E6F7081),
                 ttl=(64, 64)):
        self.pkts = pkts  # shared list: several connections, one capture
        self.ip = [ip4(cip), ip4(sip)]
        self.port = [cport, sport]
        self.mac = [MAC_CLIENT, MAC_SERVER]
        self.isn = list(isn)
        self.nxt = [isn[0], isn[1]]
        self.ttl = list(ttl)
        self.ipid = [0x1000, 0x7000]

    def pkt(self, d, flags, payload=b"", seq=None, ttl=None, win=65535):
        """One packet from side d; seq defaults to the next to send."""
        if seq is None:
            seq = self.nxt[d]
        ack = self.nxt[1 - d] if flags & ACK else 0
        self.ipid[d] += 1
        ip = ipv4_tcp(self.ip[d], self.ip[1 - d], self.port[d],
                      self.port[1 - d], seq, ack, flags, payload,
                      ttl=self.ttl[d] if ttl is None else ttl, win=win,
                      ipid=self.ipid[d])
        frame = ether(self.mac[1 - d], self.mac[d], ip)
        n = len(self.pkts)
        # 100 us apart: packet time is what tlsdiag's timeouts run on.
        self.pkts.append((T0 + n // 10000, (n % 10000) * 100, len(frame),
                          frame))
        end = (seq + len(payload) + (1 if flags & (SYN | FIN) else 0))
        if ((end - self.nxt[d]) & 0xFFFFFFFF) < 0x80000000:
            self.nxt[d] = end & 0xFFFFFFFF

    def handshake(self):
        self.pkt(0, SYN)
        self.pkt(1, SYN | ACK)
        self.pkt(0, ACK)

    def send(self, d, data, seg=MSS, ack_every=2):
        """data from side d in segments of seg bytes, in order, with the
        peer acknowledging every ack_every segments."""
        for i in range(0, len(data), seg):
            self.pkt(d, ACK | PSH, data[i:i + seg])
            if (i // seg) % ack_every == ack_every - 1:
                self.pkt(1 - d, ACK)
        self.pkt(1 - d, ACK)

    def play(self, turns):
        """Each (side, bytes) turn in order, as send() segments it."""
        for d, data in turns:
            self.send(d, data)

    def segment_at(self, d, off, data, flags=ACK | PSH, **kw):
        """The bytes data at stream offset off of side d (offset 0 is the
        byte after the SYN)."""
        self.pkt(d, flags, data, seq=(self.isn[d] + 1 + off) & 0xFFFFFFFF,
                 **kw)

    def close(self):
        self.pkt(0, FIN | ACK)
        self.pkt(1, FIN | ACK)
        self.pkt(0, ACK)


def tcp_turns(pkts):
    """The single connection of an Ethernet/IPv4 capture as turns: a list
    of (side, bytes), side 0 the client (the sender of the SYN), in the
    order the capture shows them, consecutive payloads of one side joined
    and retransmissions dropped."""
    client, nxt, turns = None, {}, []
    for _, _, _, fr in pkts:
        if len(fr) < 34 or fr[12:14] != b"\x08\x00":
            continue
        ihl = (fr[14] & 15) * 4
        if fr[23] != 6 or len(fr) < 14 + ihl + 20:
            continue
        tot = struct.unpack("!H", fr[16:18])[0]
        t = 14 + ihl
        sport, seq, off, fl = struct.unpack("!H2xI4xBB", fr[t:t + 14])
        pl = fr[t + (off >> 4) * 4:14 + tot]
        key = (fr[26:30], sport)
        if fl & SYN:
            nxt[key] = (seq + 1) & 0xFFFFFFFF
            if not fl & ACK:
                client = key
            continue
        skip = (nxt.get(key, seq) - seq) & 0xFFFFFFFF
        if not pl or skip >= len(pl):
            continue
        side = 0 if key == client else 1
        nxt[key] = (seq + len(pl)) & 0xFFFFFFFF
        if turns and turns[-1][0] == side:
            turns[-1] = (side, turns[-1][1] + pl[skip:])
        else:
            turns.append((side, pl[skip:]))
    return turns


def records(stream):
    """Split a TLS byte stream into its records (header included)."""
    out, i = [], 0
    while i + 5 <= len(stream):
        n = struct.unpack("!H", stream[i + 3:i + 5])[0]
        out.append(stream[i:i + 5 + n])
        i += 5 + n
    return out


class Gen:
    def __init__(self, src, outdir):
        self.out = outdir
        self.turns = tcp_turns(read_pcap(src))
        t = self.turns
        if len(t) < 2 or t[0][0] != 0 or t[1][0] != 1:
            sys.exit("adversarial: %s: no client turn then server turn"
                     % src)
        self.ch = records(t[0][1])[0]
        if self.ch[0] != 22 or self.ch[5] != 1 or t[0][1] != self.ch:
            sys.exit("adversarial: %s: the client's first turn is not one "
                     "ClientHello record" % src)
        self.flight = t[1][1]  # the server's first flight
        self.sh = records(self.flight)[0]
        if self.sh[0] != 22 or self.sh[5] != 2:
            sys.exit("adversarial: %s: the server's flight does not start "
                     "with a ServerHello record" % src)
        self.after_ch = t[1:]  # every turn after the ClientHello
        self.c2s = b"".join(d for side, d in t if side == 0)
        self.s2c = b"".join(d for side, d in t if side == 1)
        self.expect = []

    def path(self, name):
        return os.path.join(self.out, name)

    def note(self, name, value):
        self.expect.append("%s=%d" % (name, value))

    def write(self, name, pkts, linktype=LINKTYPE_ETHERNET, snap=262144):
        write_pcap(self.path(name), linktype, pkts, snap=snap)

    def normal(self, pkts, **kw):
        """A complete, well-behaved connection: the real turns."""
        c = Conn(pkts, **kw)
        c.handshake()
        c.play(self.turns)
        c.close()
        return c

    def overlap(self):
        """First copy wins: a retransmission of delivered bytes with some
        of them altered (compared with the kept history), and a forged
        copy of a segment still buffered out of order."""
        rnd = random.Random(SEED + 1)
        pkts = []
        c = Conn(pkts)
        c.handshake()
        ch = self.ch
        c.segment_at(0, 0, ch[:100])
        c.segment_at(0, 100, ch[100:200])
        c.segment_at(0, 200, ch[200:])
        c.pkt(1, ACK)
        # The same bytes 50..250 again, 40 of them changed.
        forged = bytearray(ch[50:250])
        for i in rnd.sample(range(len(forged)), 40):
            forged[i] ^= 0x5A
        c.segment_at(0, 50, bytes(forged))
        c.play(self.after_ch)
        c.close()
        self.note("OVERLAP_HIST_C2S", len(self.c2s))
        self.note("OVERLAP_HIST_S2C", len(self.s2c))
        self.note("OVERLAP_HIST_CONFLICTS", 40)
        self.write("overlap-history.pcap", pkts)

        pkts = []
        c = Conn(pkts)
        c.handshake()
        c.segment_at(0, 0, ch[:100])
        c.segment_at(0, 200, ch[200:])  # ahead of a hole: buffered
        forged = bytearray(ch[200:])
        for i in rnd.sample(range(len(forged)), 30):
            forged[i] ^= 0xA5
        c.segment_at(0, 200, bytes(forged))  # a second, different copy
        c.segment_at(0, 100, ch[100:200])  # fills the hole
        c.pkt(1, ACK)
        c.play(self.after_ch)
        c.close()
        self.note("OVERLAP_OOO_C2S", len(self.c2s))
        self.note("OVERLAP_OOO_CONFLICTS", 30)
        self.write("overlap-ooo.pcap", pkts)

    def tiny(self):
        """The ClientHello one byte per segment; then re-framed as one byte
        of handshake message per TLS record, each record byte in its own
        segment."""
        pkts = []
        c = Conn(pkts)
        c.handshake()
        c.send(0, self.ch, seg=1, ack_every=50)
        c.play(self.after_ch)
        c.close()
        self.note("TINY_SEGS", len(self.ch))
        self.note("TINY_SEGS_C2S", len(self.c2s))
        self.note("TINY_SEGS_S2C", len(self.s2c))
        self.write("tiny-segments.pcap", pkts)

        hdr, msg = self.ch[:3], self.ch[5:]
        framed = b"".join(hdr + b"\x00\x01" + msg[i:i + 1]
                          for i in range(len(msg)))
        pkts = []
        c = Conn(pkts)
        c.handshake()
        c.send(0, framed, seg=1, ack_every=50)
        c.play(self.after_ch)
        c.close()
        self.note("TINY_RECORDS", len(msg))
        self.note("TINY_RECORDS_C2S", len(framed) + len(self.c2s)
                  - len(self.ch))
        self.write("tiny-records.pcap", pkts)

    def cert16m(self):
        """A server flight whose Certificate claims 2^24 - 1 bytes, then
        more than the largest message tlsdiag assembles of garbage in
        handshake records, then garbage that is not even records."""
        rnd = random.Random(SEED + 3)
        flight = bytearray(self.sh)
        body = b"\x0b\xff\xff\xff" + rnd.randbytes(16380)
        flight += b"\x16\x03\x03" + struct.pack("!H", len(body)) + body
        for _ in range(19):
            flight += b"\x16\x03\x03\x40\x00" + rnd.randbytes(16384)
        flight += rnd.randbytes(4096)
        pkts = []
        c = Conn(pkts)
        c.handshake()
        c.send(0, self.ch)
        c.send(1, bytes(flight), ack_every=8)
        c.close()
        self.note("CERT16M_C2S", len(self.ch))
        self.note("CERT16M_S2C", len(flight))
        self.write("cert-16mb.pcap", pkts)

    def syn_flood(self, name, n):
        """n SYNs from n distinct sources to one server, written straight
        to the file from one packed template (70 bytes a packet).  Only the
        template's checksums are right: tlsdiag does not verify them."""
        frame = bytearray(ether(MAC_SERVER, MAC_CLIENT, ipv4_tcp(
            ip4("10.0.0.1"), ip4("192.0.2.10"), 1024, 443, 0, 0, SYN, b"",
            win=29200)))
        rec = bytearray(16) + frame
        struct.pack_into("<II", rec, 8, len(frame), len(frame))
        pack = struct.Struct("<II").pack_into
        src = struct.Struct("!I").pack_into
        port_seq = struct.Struct("!HHI").pack_into
        # 10 us apart: all million arrive within the opening timeout, so
        # the table only stays small by eviction.
        with open(self.path(name), "wb", buffering=1 << 20) as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144,
                                LINKTYPE_ETHERNET))
            w = f.write
            base = 0x0A000001  # 10.0.0.1
            for i in range(n):
                us = i * 10
                pack(rec, 0, T0 + us // 1000000, us % 1000000)
                src(rec, 16 + 26, base + i)
                port_seq(rec, 16 + 34, 1024 + (i * 7919) % 64511, 443,
                         (i * 2654435761) & 0xFFFFFFFF)
                w(rec)

    def storms(self):
        """A 200 000-byte server stream sent backwards in 1000 segments
        (past the 512-segment cap), backwards in 400 segments (within both
        caps), and in 1000 segments shuffled with a fixed seed."""
        rnd = random.Random(SEED + 5)
        total = 200000
        stream = bytearray(self.flight)
        while len(stream) < total:
            n = min(16384, total - len(stream) - 5)
            stream += b"\x17\x03\x03" + struct.pack("!H", n) + \
                rnd.randbytes(n)
        stream = bytes(stream[:total])
        for name, seg, order in (
                ("ooo-storm-reverse.pcap", 200, "reverse"),
                ("ooo-storm-fits.pcap", 500, "reverse"),
                ("ooo-storm-shuffled.pcap", 200, "shuffle")):
            offs = list(range(0, total, seg))
            if order == "reverse":
                offs.reverse()
            else:
                rnd.shuffle(offs)
            pkts = []
            c = Conn(pkts)
            c.handshake()
            c.send(0, self.ch)
            for k, off in enumerate(offs):
                c.segment_at(1, off, stream[off:off + seg])
                if k % 4 == 3:
                    c.pkt(0, ACK)
            c.nxt[1] = (c.isn[1] + 1 + total) & 0xFFFFFFFF
            c.pkt(0, ACK)
            c.close()
            self.write(name, pkts)
        self.note("STORM_TOTAL", total)
        self.note("STORM_SEGS_MAX", 512)
        self.note("STORM_SEG", 200)

    def keepalive(self):
        """Keep-alives (a bare ACK at seq - 1, as Linux sends them, and one
        byte of garbage at seq - 1, as Windows and the BSDs do) both ways,
        and zero-window probes: a bare ACK at seq - 1 (Linux) and the next
        byte alone, sent three times before the window opens."""
        pkts = []
        c = Conn(pkts)
        c.handshake()
        c.send(0, self.ch)
        s2c = self.flight
        c.send(1, s2c[:MSS])
        c.pkt(0, ACK, win=0)  # the client's window closes
        c.pkt(1, ACK, seq=c.nxt[1] - 1)  # Linux probe
        c.pkt(0, ACK, win=0)
        nxt = c.nxt[1]
        for _ in range(3):  # probe carrying the next byte
            c.pkt(1, ACK, s2c[MSS:MSS + 1], seq=nxt)
            c.pkt(0, ACK, win=0)
        c.pkt(0, ACK)  # window opens
        c.pkt(1, ACK | PSH, s2c[MSS:], seq=nxt)
        c.pkt(0, ACK)
        c.play(self.turns[2:])
        for d, data in ((0, self.c2s), (1, self.s2c)):
            for _ in range(3):
                c.pkt(d, ACK, seq=c.nxt[d] - 1)
                c.pkt(1 - d, ACK)
                c.pkt(d, ACK, bytes([data[-1] ^ 0xFF]), seq=c.nxt[d] - 1)
                c.pkt(1 - d, ACK)
        c.close()
        self.note("KEEPALIVE_C2S", len(self.c2s))
        self.note("KEEPALIVE_S2C", len(self.s2c))
        self.write("keepalive.pcap", pkts)

    def snaplen(self):
        """Every packet cut to 96 bytes, as `tcpdump -s 96` writes them,
        plus a SYN of another connection whose IP and TCP options make its
        headers longer than the snaplen."""
        snap = 96
        pkts = []
        self.normal(pkts)
        payload = [0, 0]
        for _, _, _, fr in pkts:
            c2s = fr[6:12] == MAC_CLIENT
            payload[0 if c2s else 1] += min(len(fr), snap) - 54
        opts = Conn(pkts, cport=40000)
        frame = ether(MAC_SERVER, MAC_CLIENT, ipv4_tcp(
            opts.ip[0], opts.ip[1], 40000, 443, 1, 0, SYN, b"",
            ip_opts=b"\x01" * 40, tcp_opts=b"\x01" * 40))
        pkts.append((T0 + 5, 0, len(frame), frame))
        cut = sum(1 for p in pkts if len(p[3]) > snap)
        self.write("snaplen-96.pcap",
                   [(s, u, w, fr[:snap]) for s, u, w, fr in pkts], snap=snap)
        self.note("SNAP_CUT", cut)
        self.note("SNAP_C2S", len(self.c2s))
        self.note("SNAP_S2C", len(self.s2c))
        self.note("SNAP_C2S_DATA", payload[0])
        self.note("SNAP_S2C_DATA", payload[1])

    def lying(self):
        """One well-formed connection written twice under the wrong link
        type: Ethernet frames labelled raw IP, raw IP labelled Ethernet."""
        pkts = []
        self.normal(pkts)
        self.write("lying-eth-as-raw.pcap", pkts, linktype=LINKTYPE_RAW)
        self.write("lying-raw-as-eth.pcap",
                   [(s, u, w - 14, fr[14:]) for s, u, w, fr in pkts])
        self.note("LYING_PKTS", len(pkts))

    def rst(self):
        """A forged RST in the server's name: the real server's packets
        come with TTL 64, the RST with TTL 250 (an injector's own initial
        TTL, not the server's), in window.  The real server goes on
        with its flight, and the client, its socket reset, answers that
        with RSTs of its own."""
        pkts = []
        c = Conn(pkts, ttl=(64, 64))
        c.handshake()
        c.send(0, self.ch)
        c.send(1, self.flight[:MSS], ack_every=1)
        c.pkt(1, RST | ACK, ttl=250)
        rest = self.flight[MSS:]
        for i in range(0, len(rest), MSS):
            c.pkt(1, ACK | PSH, rest[i:i + MSS])
            c.pkt(0, RST, seq=c.nxt[0])
        self.note("RST_C2S", len(self.ch))
        self.note("RST_S2C", len(self.flight))
        self.write("rst-injected.pcap", pkts)

    def wrap(self):
        """Sequence numbers that wrap inside the handshake: ISNs just below
        2^32 (the ClientHello and the server flight both cross zero), with
        a segment past the wrap arriving before the one that crosses it
        and an identical retransmission across it; then a second
        connection with ISNs just below 2^31, where a signed compare
        flips."""
        pkts = []
        for cport, isn in ((51000, (0xFFFFFF00, 0xFFFFFFF0)),
                           (51001, (0x7FFFFF00, 0x7FFFFFF0))):
            c = Conn(pkts, cport=cport, isn=isn)
            c.handshake()
            ch = self.ch
            c.segment_at(0, 0, ch[:100])
            c.segment_at(0, 100, ch[100:200])
            c.segment_at(0, 300, ch[300:])  # after the wrap, early
            c.segment_at(0, 200, ch[200:300])  # crosses the wrap
            c.segment_at(0, 150, ch[150:320])  # same bytes again
            c.pkt(1, ACK)
            c.play(self.after_ch)
            c.close()
        self.note("WRAP_C2S", len(self.c2s))
        self.note("WRAP_S2C", len(self.s2c))
        self.write("seq-wrap.pcap", pkts)

    def run(self, syns):
        self.overlap()
        self.tiny()
        self.cert16m()
        self.syn_flood("syn-flood.pcap", syns)
        self.syn_flood("syn-flood-tenth.pcap", syns // 10)
        self.note("FLOOD_SYNS", syns)
        self.note("FLOOD_TENTH", syns // 10)
        self.storms()
        self.keepalive()
        self.snaplen()
        self.lying()
        self.rst()
        self.wrap()
        with open(self.path("expect.sh"), "w") as f:
            f.write("# written by tests/adversarial.py\n")
            f.write("\n".join(self.expect) + "\n")


def measure(prefix, cmd, lines=False):
    t = time.monotonic()
    with open(prefix + ".stdout", "wb") as o, \
            open(prefix + ".stderr", "wb") as e:
        if not lines:
            st = subprocess.call(cmd, stdout=o, stderr=e)
        else:
            # Count the lines, keep the first few: a million-line output
            # need not be written to disk to be checked.
            n, head = 0, 20
            p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=e)
            for chunk in iter(lambda: p.stdout.read(1 << 20), b""):
                if head > 0:
                    keep = chunk.split(b"\n")[:head]
                    o.write(b"\n".join(keep) + b"\n")
                    head -= len(keep)
                n += chunk.count(b"\n")
            st = p.wait()
            with open(prefix + ".lines", "w") as f:
                f.write("%d\n" % n)
    dt = time.monotonic() - t
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with open(prefix + ".status", "w") as f:
        f.write("%d\n" % (st if st >= 0 else 128 - st))
    with open(prefix + ".res", "w") as f:
        f.write("%.2f %d\n" % (dt, rss))


def main():
    a = sys.argv[1:]
    if len(a) >= 3 and a[0] == "gen":
        os.makedirs(a[2], exist_ok=True)
        Gen(a[1], a[2]).run(int(a[3]) if len(a) > 3 else 1000000)
    elif len(a) >= 4 and a[0] == "measure" and a[1] == "--lines":
        measure(a[2], a[3:], lines=True)
    elif len(a) >= 3 and a[0] == "measure":
        measure(a[1], a[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
