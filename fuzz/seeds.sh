#!/bin/sh
# seeds.sh -- seed corpora for the fuzz targets, made from captures/*.pcap.
#
#   sh fuzz/seeds.sh OUTDIR
#
# Writes OUTDIR/pcap (each capture whole, and each TCP connection of a
# capture holding several on its own), OUTDIR/tls_stream (each connection's
# TLS bytes: every segment's payload, by tshark, in the input layouts that
# fuzz_tls_stream.c documents), OUTDIR/decode (single packets, as
# captured and re-framed for every link type fuzz_decode.c knows) and
# OUTDIR/x509 (the certificate chains the captures carry, the test PKI of
# captures/pki and its OCSP responses, in fuzz_x509.c's layout) and
# OUTDIR/tlsdec (made-up protected records of every size class, in
# fuzz_tlsdec.c's layout; no capture needed).  Needs
# tshark and python3 (test dependencies, tests/deps.sh).  It never writes
# outside OUTDIR and never reads anything but captures/.
set -eu
out=${1:?usage: sh fuzz/seeds.sh OUTDIR}
top=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$out/pcap" "$out/tls_stream" "$out/decode" "$out/x509"
mkdir -p "$out/pcap" "$out/tls_stream" "$out/decode" "$out/x509" \
	"$out/follow"

for f in "$top"/captures/*.pcap; do
	b=$(basename "$f" .pcap)
	cp "$f" "$out/pcap/$b.pcap"
	# Every TCP segment's payload in capture order, and the certificates
	# of each Certificate message (hex DER, comma-separated): one tshark
	# run per capture (a `follow,tcp,raw` per connection costs a run each).
	tshark -r "$f" -o tcp.desegment_tcp_streams:FALSE -T fields \
		-e tcp.stream -e ip.src -e ipv6.src -e tcp.srcport \
		-e tcp.flags.syn -e tcp.flags.ack -e tcp.payload \
		-e tls.handshake.certificate \
		>"$out/follow/$b.tsv" 2>/dev/null || true
	n=$(cut -f1 "$out/follow/$b.tsv" | sort -u | grep -c . || true)
	if [ "$n" -gt 1 ]; then
		# A capture of several connections: each one alone as well.
		for s in $(cut -f1 "$out/follow/$b.tsv" | sort -un); do
			tshark -r "$f" -Y "tcp.stream eq $s" \
				-w "$out/pcap/$b.$s.pcap" 2>/dev/null
		done
	fi
done

python3 - "$top/captures" "$out" <<'EOF'
import base64, glob, os, struct, sys

caps, out = sys.argv[1], sys.argv[2]

# fuzz_tls_stream: byte 0 flags, byte 1 chunking seed (see its header).
F_CONV = 0x02
n_tls = 0
def connections(path):
    """{stream: [(dir, payload)]}; dir 0 is the client, the sender of the
    first SYN without ACK, else of the stream's first packet."""
    pkts, client = {}, {}
    for line in open(path):
        f = line.rstrip("\n").split("\t")
        if len(f) < 7 or not f[0]:
            continue
        st, src = f[0], (f[1] or f[2], f[3])
        if f[4] == "1" and f[5] == "0":
            client.setdefault(st, src)
        pkts.setdefault(st, []).append((src, f[6]))
    for st, lst in pkts.items():
        cl = client.get(st, lst[0][0])
        segs = [(0 if src == cl else 1, bytes.fromhex(pl.replace(":", "")))
                for src, pl in lst if pl]
        yield st, segs

def follow():
    for path in sorted(glob.glob(os.path.join(out, "follow", "*.tsv"))):
        for st, segs in connections(path):
            yield "%s.%s" % (os.path.basename(path)[:-4], st), segs

for name, segs in follow():
    if not segs:
        continue
    # The conversation, segment by segment, with two ways of re-cutting it.
    conv = b"".join(bytes([d]) + struct.pack(">H", len(p)) + p
                    for d, p in segs if len(p) < 65536)
    for flags in (F_CONV, F_CONV | 0x40, F_CONV | 0xc0):
        open(os.path.join(out, "tls_stream", "%s.conv%02x" % (name, flags)),
             "wb").write(bytes([flags, 0]) + conv)
    # Each direction alone.
    for d in (0, 1):
        raw = b"".join(p for dd, p in segs if dd == d)
        if raw:
            open(os.path.join(out, "tls_stream", "%s.dir%d" % (name, d)),
                 "wb").write(bytes([d, 0]) + raw)
    n_tls += 1

# fuzz_decode: byte 0 low nibble picks the link type (this order is the
# table in fuzz_decode.c), high nibble makes the packet look cut by the
# snaplen; the rest is the frame.
EN10MB, SLL, SLL2, RAW, RAW101, IPV4, IPV6, NULL, LOOP = range(9)

def packets(path):
    data = open(path, "rb").read()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        return
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
        off += 16
        yield data[off:off + incl]
        off += incl

def reframe(frame):
    """The frame's IP packet under every other link layer."""
    if len(frame) < 14:
        return []
    etype = struct.unpack(">H", frame[12:14])[0]
    ip = frame[14:]
    if etype == 0x0800:
        af, ipl = 2, IPV4
    elif etype == 0x86dd:
        af, ipl = 10, IPV6
    else:
        return []
    sll = struct.pack(">HHH", 0, 772, 6) + frame[6:12] + b"\0\0" \
        + struct.pack(">H", etype)
    sll2 = struct.pack(">HHIHBB", etype, 0, 1, 772, 0, 6) + frame[6:12] \
        + b"\0\0"
    return [(SLL, sll + ip), (SLL2, sll2 + ip), (RAW, ip), (RAW101, ip),
            (ipl, ip), (NULL, struct.pack("<I", af) + ip),
            (LOOP, struct.pack(">I", af) + ip)]

n_dec = 0
for i, path in enumerate(sorted(glob.glob(os.path.join(caps, "*.pcap")))):
    base = os.path.basename(path)[:-5]
    for j, frame in enumerate(packets(path)):
        if j >= 8:
            break
        seeds = [(EN10MB, frame)]
        # Every link type from the first packets of a few captures; a
        # snaplen cut from others.
        if i % 8 == 0 and j < 4:
            seeds += reframe(frame)
        if i % 8 == 4 and j == 3:
            seeds.append((EN10MB | 0x10, frame[:60]))
        for k, (b0, pkt) in enumerate(seeds):
            open(os.path.join(out, "decode", "%s.%d.%d" % (base, j, k)),
                 "wb").write(bytes([b0]) + pkt)
            n_dec += 1

# fuzz_x509: byte 0 picks the mode (see fuzz_x509.c): 0 one certificate,
# 1 one certificate through the cache, 2 a chain ([len16][DER]...), 3 an
# OCSP response.  Chains as the captures carry them, the test PKI's files.
def pem_certs(path):
    der, inside = [], False
    for line in open(path):
        if line.startswith("-----BEGIN CERTIFICATE"):
            inside, b64 = True, ""
        elif line.startswith("-----END CERTIFICATE") and inside:
            inside = False
            der.append(base64.b64decode(b64))
        elif inside:
            b64 += line.strip()
    return der

def chain_seed(flags, certs, ocsp=None):
    ents = certs + ([ocsp] if ocsp is not None else [])
    return bytes([flags]) + b"".join(struct.pack(">H", len(c)) + c
                                     for c in ents if len(c) < 65536)

x509 = {}
seen = set()
for path in sorted(glob.glob(os.path.join(out, "follow", "*.tsv"))):
    for line in open(path):
        f = line.rstrip("\n").split("\t")
        if len(f) < 8 or not f[7]:
            continue
        chain = [bytes.fromhex(h.replace(":", "")) for h in f[7].split(",")
                 if h]
        key = b"".join(chain)
        if not chain or key in seen:
            continue
        seen.add(key)
        name = os.path.basename(path)[:-4] + ".%d" % len(seen)
        x509[name + ".chain"] = chain_seed(2, chain)
        x509[name + ".chain.past"] = chain_seed(0x12, chain)
        x509[name + ".leaf"] = bytes([0]) + chain[0]
pki = os.path.join(caps, "pki")
for path in sorted(glob.glob(os.path.join(pki, "*.crt")) +
                   glob.glob(os.path.join(pki, "*-chain.pem"))):
    certs = pem_certs(path)
    base = os.path.basename(path)
    if certs:
        x509[base + ".cached"] = bytes([1]) + certs[0]
        x509[base + ".chain"] = chain_seed(2, certs)
for path in sorted(glob.glob(os.path.join(pki, "*.ocsp.der"))):
    ocsp = open(path, "rb").read()
    base = os.path.basename(path)
    x509[base] = bytes([3]) + ocsp
    chain = pem_certs(os.path.join(pki, base.split(".")[0] + "-chain.pem")) \
        if os.path.exists(os.path.join(
            pki, base.split(".")[0] + "-chain.pem")) else []
    if chain:
        x509[base + ".stapled"] = chain_seed(2 | 8, chain, ocsp)
for name, data in x509.items():
    open(os.path.join(out, "x509", name), "wb").write(data)

n_pcap = len(os.listdir(os.path.join(out, "pcap")))
print("fuzz seeds: pcap %d, tls_stream %d (from %d connections), decode %d,"
      " x509 %d" % (n_pcap, len(os.listdir(os.path.join(out, "tls_stream"))),
                    n_tls, n_dec, len(x509)))
EOF
# fuzz_tlsdec: byte 0 the suite (index into td_suites[] of fuzz_tlsdec.c,
# 20 of them), byte 1 the version and encrypt_then_mac bits, then records
# [type][len16][bytes] of the sizes real ones have: whole CBC blocks (with
# and without an explicit IV and MAC), AEAD records with nonce and tag.
rm -rf "$out/tlsdec"
mkdir -p "$out/tlsdec"
python3 - "$out/tlsdec" <<'PYEOF'
import os, sys, hashlib
out = sys.argv[1]
n = 0
for suite in range(20):
    for flags in (0, 1, 2, 4, 6):
        body = bytearray([suite, flags])
        for k, (t, ln) in enumerate(((22, 64), (23, 48), (21, 32),
                                     (23, 80), (21, 26))):
            rec = hashlib.sha256(b"%d.%d.%d" % (suite, flags, k)).digest()
            rec = (rec * (ln // 32 + 1))[:ln]
            body += bytes([t, ln >> 8, ln & 255]) + rec
        open(os.path.join(out, "s%02d.f%d" % (suite, flags)), "wb").write(body)
        n += 1
print("fuzz seeds: tlsdec %d" % n)
PYEOF
rm -rf "$out/follow"
