#!/usr/bin/env python3
"""compare_x509.py -- tlsdiag's leaf certificate fields against tshark's.

    python3 tests/compare_x509.py [--tlsdiag ./tlsdiag] [-v] PCAP...

For every TCP stream in which tshark dissects a server Certificate message
in the clear (TLS <= 1.2; a TLS 1.3 Certificate is encrypted and not seen),
compares the first certificate of that message (the leaf) with
tls.server_certificates[0] of the JSON object tlsdiag writes for the same
connection (--json -):
  - subject and issuer, as the set of (attribute OID, value) pairs: tshark
    prints names in certificate order with its own labels, tlsdiag in RFC
    4514 order and escaping, so both are reduced to the same pairs;
  - not_before and not_after, as UTC seconds.
tshark's side is its PDML tree (x509af.subject / x509af.issuer ->
x509if.RelativeDistinguishedName_item_element -> x509if.oid + the string
field, x509af.validity_element -> x509af.utcTime / x509af.generalizedTime);
string values are taken from the bytes tshark delimits, decoded by the
string type it names (when tshark cannot dissect a value, e.g. an attribute
type it decodes with another syntax, from the bytes of tshark's RDN item).
Each leaf is matched to tlsdiag's object for the same client and server
addresses that shows the same leaf (SHA-256 of the DER).  Streams whose TLS tshark does not see (other ports,
tunnels) are not compared.

Prints one line per capture: "ok" when every leaf tshark sees is found equal
in tlsdiag's output, else "MISMATCH" with, per leaf not found equal, one of
  differ           tlsdiag decoded it, a compared field differs;
  malformed        tlsdiag reports the certificate as not decodable;
  no_certificates  tlsdiag's object for the connection lists no certificate
                   (it did not parse that Certificate message);
  not_reported     tlsdiag wrote no object for the connection (no TLS seen:
                   STARTTLS, a preamble before TLS, a server-only capture).
Then the totals per kind and "N passed, N failed".  A capture without any
visible leaf passes with "0 equal".  Exit status 1 if any capture failed.
"""
import calendar
import collections
import hashlib
import json
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

# RFC 4514 3 keywords and OpenSSL's short names (what tlsdiag prints) to
# OIDs, so that names compare by OID.
ATTR_OIDS = {
    "CN": "2.5.4.3", "SN": "2.5.4.4", "serialNumber": "2.5.4.5",
    "C": "2.5.4.6", "L": "2.5.4.7", "ST": "2.5.4.8", "street": "2.5.4.9",
    "STREET": "2.5.4.9", "O": "2.5.4.10", "OU": "2.5.4.11",
    "title": "2.5.4.12", "businessCategory": "2.5.4.15",
    "postalCode": "2.5.4.17", "GN": "2.5.4.42", "initials": "2.5.4.43",
    "organizationIdentifier": "2.5.4.97",
    "emailAddress": "1.2.840.113549.1.9.1",
    "DC": "0.9.2342.19200300.100.1.25", "UID": "0.9.2342.19200300.100.1.1",
    "jurisdictionL": "1.3.6.1.4.1.311.60.2.1.1",
    "jurisdictionST": "1.3.6.1.4.1.311.60.2.1.2",
    "jurisdictionC": "1.3.6.1.4.1.311.60.2.1.3",
}


def ep(addr, port):
    return ("[%s]:%s" % (addr, port)) if ":" in addr else "%s:%s" % (addr,
                                                                    port)


def der_string(tag, content):
    """Text of an ASN.1 string by its universal tag, as tlsdiag renders it
    (BMPString and UniversalString converted, the others as bytes)."""
    if tag == 0x1e:
        return content.decode("utf-16-be", "replace")
    if tag == 0x1c:
        return content.decode("utf-32-be", "replace")
    return content.decode("utf-8", "surrogateescape")


def der_tlv(b):
    """(tag, content) of one DER TLV, or None."""
    if len(b) < 2:
        return None
    tag, n, i = b[0], b[1], 2
    if n & 0x80:
        k = n & 0x7f
        if k == 0 or k > 4 or len(b) < 2 + k:
            return None
        n = int.from_bytes(b[2:2 + k], "big")
        i = 2 + k
    if len(b) != i + n:
        return None
    return tag, b[i:]


# tshark's string fields, by the universal tag of their type.
TSHARK_TAGS = [("bMPString", 0x1e), ("universalString", 0x1c)]


def atv_values(rdn_bytes):
    """(OID, text) of each AttributeTypeAndValue in the bytes of one RDN
    (the SET's content, as tshark's x509if.RDNSequence_item delimits it)."""
    out, b = [], rdn_bytes
    while b:
        tlv = der_tlv_prefix(b)
        if tlv is None or tlv[0] != 0x30:
            break
        _, atv, rest = tlv
        o = der_tlv_prefix(atv)
        if o is None or o[0] != 0x06:
            break
        v = der_tlv(o[2])
        out.append((oid_dotted(o[1]), der_string(*v) if v else None))
        b = rest
    return out


def der_tlv_prefix(b):
    """(tag, content, rest) of the TLV that starts b, or None."""
    if len(b) < 2:
        return None
    n, i = b[1], 2
    if n & 0x80:
        k = n & 0x7f
        if k == 0 or k > 4 or len(b) < 2 + k:
            return None
        n = int.from_bytes(b[2:2 + k], "big")
        i = 2 + k
    if len(b) < i + n:
        return None
    return b[0], b[i:i + n], b[i + n:]


def oid_dotted(b):
    arcs, v = [], 0
    for x in b:
        v = v << 7 | (x & 0x7f)
        if not x & 0x80:
            arcs.append(v)
            v = 0
    if not arcs:
        return ""
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in [first, arcs[0] - 40 * first] + arcs[1:])


def tshark_value(atv, oid, rdn_item):
    """The value of one RelativeDistinguishedName item, from the bytes
    tshark delimits: the field after the attribute type when it is a whole
    TLV (x509sat.DirectoryString and the like), else the first string field
    below it (its 'value' is the content), else -- when tshark could not
    dissect the value (an attribute type it decodes with another syntax) --
    the RDN's own bytes."""
    kids = list(atv)
    for i, f in enumerate(kids):
        if f.get("name") in ("x509if.oid", "x509if.id"):
            kids = kids[i + 1:]
            break
    if kids:
        tlv = der_tlv(bytes.fromhex(kids[0].get("value", "")))
        if tlv is not None and tlv[0] in STRING_TAGS:
            return der_string(*tlv)
        for f in kids[0].iter("field"):
            name = f.get("name", "")
            if not name.startswith("x509sat.") or not name.endswith(
                    "String") or f.get("value") is None:
                continue
            tag = 0x0c
            for k, t in TSHARK_TAGS:
                if k in name:
                    tag = t
            return der_string(tag, bytes.fromhex(f.get("value")))
    if rdn_item is not None:
        for o, v in atv_values(bytes.fromhex(rdn_item.get("value", ""))):
            if o == oid:
                return v
    return None


# Universal tags of the ASN.1 string types.
STRING_TAGS = (0x0c, 0x12, 0x13, 0x14, 0x15, 0x16, 0x1a, 0x1b, 0x1c, 0x1e)


def tshark_name(name_field):
    """Set of (OID, value) of a Name field (x509af.subject/issuer)."""
    pairs = []
    for rdn in name_field.iter("field"):
        if rdn.get("name") != "x509if.RDNSequence_item":
            continue
        for atv in rdn:
            if atv.get("name") != \
                    "x509if.RelativeDistinguishedName_item_element":
                continue
            oid = None
            for f in atv:
                if f.get("name") in ("x509if.oid", "x509if.id"):
                    oid = f.get("show")
            pairs.append((oid, tshark_value(atv, oid, rdn)))
    return frozenset(pairs)


def parse_time(s):
    """UTCTime or GeneralizedTime (RFC 5280 4.1.2.5) to Unix seconds."""
    m = re.fullmatch(r"(\d{2}|\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?"
                     r"(?:\.\d+)?(Z|[+-]\d{4})?", s)
    if not m:
        return "unparsed:" + s
    y = int(m.group(1))
    if len(m.group(1)) == 2:
        y += 2000 if y < 50 else 1900
    t = calendar.timegm((y, int(m.group(2)), int(m.group(3)),
                         int(m.group(4)), int(m.group(5)),
                         int(m.group(6) or 0)))
    z = m.group(7)
    if z and z != "Z":
        off = int(z[1:3]) * 3600 + int(z[3:5]) * 60
        t -= off if z[0] == "+" else -off
    return t


def tshark_time(field):
    for f in field.iter("field"):
        if f.get("name") in ("x509af.utcTime", "x509af.generalizedTime"):
            try:
                return parse_time(bytes.fromhex(f.get("value")).decode())
            except (ValueError, UnicodeDecodeError):
                return "unparsed:" + f.get("show", "")
    return None


def leaf_facts(cert):
    """subject, issuer, not_before, not_after of one
    tls.handshake.certificate field."""
    tbs = None
    for f in cert.iter("field"):
        if f.get("name") == "x509af.signedCertificate_element":
            tbs = f
            break
    if tbs is None:
        return None
    out = {}
    for f in tbs:
        n = f.get("name")
        if n == "x509af.subject":
            out["subject"] = tshark_name(f)
        elif n == "x509af.issuer":
            out["issuer"] = tshark_name(f)
        elif n == "x509af.validity_element":
            for v in f:
                if v.get("name") == "x509af.notBefore":
                    out["not_before"] = tshark_time(v)
                elif v.get("name") == "x509af.notAfter":
                    out["not_after"] = tshark_time(v)
    return out


def tshark(pcap):
    """Per tcp.stream: client, server and the leaf of the server's first
    Certificate message, in stream order."""
    cmd = ["tshark", "-n", "-r", pcap, "-Y",
           "tls.handshake.type == 1 || tls.handshake.type == 2 || "
           "tls.handshake.type == 11", "-T", "pdml"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    streams = collections.OrderedDict()
    for _, pkt in ET.iterparse(p.stdout, events=("end",)):
        if pkt.tag != "packet":
            continue
        protos = {}
        nip = 0
        for pr in pkt.findall("proto"):
            if pr.get("name") in ("ip", "ipv6"):
                nip += 1
            protos.setdefault(pr.get("name"), pr)
        tcp = protos.get("tcp")
        if tcp is None or nip != 1 or "tls" not in protos:
            pkt.clear()
            continue  # tunnelled: tlsdiag does not follow tunnels
        fv = {}
        for pr in (protos.get("ip"), protos.get("ipv6"), tcp):
            if pr is None:
                continue
            for f in pr:
                fv.setdefault(f.get("name"), f.get("show"))
        src = ep(fv.get("ip.src") or fv.get("ipv6.src"), fv["tcp.srcport"])
        dst = ep(fv.get("ip.dst") or fv.get("ipv6.dst"), fv["tcp.dstport"])
        sid = fv["tcp.stream"]
        s = streams.get(sid)
        for pr in pkt.findall("proto"):
            if pr.get("name") != "tls":
                continue
            for hs in pr.iter("field"):
                if hs.get("name") != "tls.handshake":
                    continue
                t = None
                for f in hs:
                    if f.get("name") == "tls.handshake.type":
                        t = f.get("show")
                if t == "1" and s is None:
                    s = streams[sid] = {"client": src, "server": dst,
                                        "leaf": None}
                elif t == "2" and s is None:
                    s = streams[sid] = {"client": dst, "server": src,
                                        "leaf": None}
                elif (t == "11" and s is not None and src == s["server"]
                      and s["leaf"] is None):
                    for c in hs.iter("field"):
                        if c.get("name") == "tls.handshake.certificate":
                            s["leaf"] = leaf_facts(c)
                            s["sha256"] = hashlib.sha256(bytes.fromhex(
                                c.get("value", ""))).hexdigest()
                            break
        pkt.clear()
    p.wait()
    return collections.OrderedDict((k, v) for k, v in streams.items()
                                   if v["leaf"] is not None)


def unescape_4514(v):
    """An RFC 4514 attribute value to text ('#hex' is a DER value)."""
    if v.startswith("#"):
        tlv = der_tlv(bytes.fromhex(v[1:]))
        return der_string(*tlv) if tlv else v
    out = bytearray()
    i = 0
    while i < len(v):
        ch = v[i]
        if ch == "\\" and re.fullmatch(
                r"[0-9A-Fa-f]{2}", v[i + 1:i + 3]):
            out.append(int(v[i + 1:i + 3], 16))
            i += 3
        elif ch == "\\" and i + 1 < len(v):
            out += v[i + 1].encode("utf-8", "surrogateescape")
            i += 2
        else:
            out += ch.encode("utf-8", "surrogateescape")
            i += 1
    return bytes(out).decode("utf-8", "surrogateescape")


def split_unescaped(s, seps):
    parts, cur, i = [], "", 0
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s):
            cur += s[i:i + 2]
            i += 2
            continue
        if s[i] in seps:
            parts.append((cur, s[i]))
            cur = ""
        else:
            cur += s[i]
        i += 1
    parts.append((cur, None))
    return parts


def ours_name(s):
    """Set of (OID, value) of an RFC 4514 string."""
    if s is None:
        return None
    pairs = []
    if s == "":
        return frozenset()
    for atv, _ in split_unescaped(s, ",+"):
        k, _, v = atv.partition("=")
        pairs.append((ATTR_OIDS.get(k, k), unescape_4514(v)))
    return frozenset(pairs)


def ours_time(s):
    if s is None:
        return None
    m = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)Z", s)
    if not m:
        return "unparsed:" + s
    return calendar.timegm(tuple(int(x) for x in m.groups()))


def ours(binary, pcap):
    r = subprocess.run(binary.split() + ["-r", pcap, "--json", "-"],
                       capture_output=True, text=True,
                       errors="surrogateescape")
    conns = collections.defaultdict(list)
    for line in r.stdout.splitlines():
        o = json.loads(line)
        if "client" not in o or "server" not in o:
            continue
        key = (ep(o["client"]["ip"], o["client"]["port"]),
               ep(o["server"]["ip"], o["server"]["port"]))
        conns[key].append(o)
    return r.returncode, conns


def show(v):
    if isinstance(v, frozenset):
        return "{" + ", ".join("%s=%r" % p for p in sorted(
            v, key=lambda p: (str(p[0]), str(p[1])))) + "}"
    if isinstance(v, int):
        return "%d (%s)" % (v, ours_iso(v))
    return repr(v)


def ours_iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def compare(binary, pcap):
    rc, mine = ours(binary, pcap)
    theirs = tshark(pcap)
    used = collections.Counter()
    taken = set()
    good, bad = 0, []
    for sid, t in theirs.items():
        key = (t["client"], t["server"])
        i = used[key]
        used[key] += 1
        # The object that shows the same leaf (by SHA-256 of its DER):
        # tshark keeps a reused 4-tuple (a SYN retried after a RST) in one
        # stream where tlsdiag sees two connections.  Else the object of
        # the same rank among those of this 4-tuple, to say what is wrong.
        o = None
        for j, cand in enumerate(mine[key]):
            certs = (cand.get("tls") or {}).get("server_certificates") or []
            if ((key, j) not in taken and certs and
                    certs[0].get("sha256") == t["sha256"]):
                o = cand
                taken.add((key, j))
                break
        if o is None and i < len(mine[key]):
            o = mine[key][i]
        if o is None:
            bad.append(("not_reported", "stream %s %s: no JSON object "
                        "for this connection" % (sid, key)))
            continue
        tls = o.get("tls") or {}
        certs = tls.get("server_certificates") or []
        if not certs:
            bad.append(("no_certificates", "stream %s %s: "
                        "tls.server_certificates is empty (result %s, "
                        "reason %s)" % (sid, key, o.get("result"),
                                        o.get("reason"))))
            continue
        if "subject" not in certs[0]:
            bad.append(("malformed", "stream %s %s: leaf not decoded: %s" % (
                sid, key, json.dumps(certs[0]))))
            continue
        c = certs[0]
        got = {"subject": ours_name(c.get("subject")),
               "issuer": ours_name(c.get("issuer")),
               "not_before": ours_time(c.get("not_before")),
               "not_after": ours_time(c.get("not_after"))}
        diffs = [k for k in got if got[k] != t["leaf"].get(k)]
        if diffs:
            bad.append(("differ", "stream %s %s: %s" % (sid, key, "; ".join(
                "%s tshark=%s tlsdiag=%s (%r)" % (
                    k, show(t["leaf"].get(k)), show(got[k]), c.get(k))
                for k in diffs))))
        else:
            good += 1
    return rc, good, bad


# Why a leaf tshark sees was not found equal in tlsdiag's output.  The first
# two are about the certificate itself; the last two mean tlsdiag did not
# parse that Certificate message at all (see the report lines).
KINDS = ("differ",           # decoded, but a field differs
         "malformed",        # tlsdiag could not decode the certificate
         "no_certificates",  # the connection's object has no certificates
         "not_reported")     # no JSON object for the connection


def main():
    args = sys.argv[1:]
    binary, verbose = "./tlsdiag", False
    while args and args[0].startswith("-"):
        if args[0] == "--tlsdiag":
            binary, args = args[1], args[2:]
        elif args[0] == "-v":
            verbose, args = True, args[1:]
        else:
            sys.exit(__doc__)
    if not args:
        sys.exit(__doc__)
    npass = nfail = 0
    total = collections.Counter()
    for pcap in args:
        rc, good, bad = compare(binary, pcap)
        ok = not bad and rc in (0, 1)
        kinds = collections.Counter(k for k, _ in bad)
        total.update(kinds)
        total["equal"] += good
        print("%s %s: %d equal, %d not%s%s" % (
            "ok" if ok else "MISMATCH", pcap, good, len(bad),
            "".join(" (%d %s)" % (kinds[k], k) for k in KINDS if kinds[k]),
            "" if rc in (0, 1) else " [exit %d]" % rc))
        for _, b in bad[:20 if verbose else 3]:
            print("    " + b)
        npass += ok
        nfail += not ok
    print("leaves: %d equal; %s" % (total["equal"], ", ".join(
        "%d %s" % (total[k], k) for k in KINDS)))
    print("%d passed, %d failed" % (npass, nfail))
    sys.exit(1 if nfail else 0)


if __name__ == "__main__":
    main()
