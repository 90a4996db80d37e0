#!/usr/bin/env python3
"""compare_flows.py -- tlsdiag --flows against tshark, connection by connection.

    python3 tests/compare_flows.py [--tlsdiag ./tlsdiag] [-v] PCAP...

For each capture, tshark's TCP conversations (frames and frame bytes in each
direction, grouped by tcp.stream, the numbers behind `tshark -z conv,tcp`)
are compared with the pkts and bytes of `tlsdiag -r PCAP --flows`.
Connections where tshark saw capture loss (tcp.analysis.lost_segment or
ack_lost_segment) and tunnelled ones (tlsdiag does not decode tunnels) are
reported but not counted as mismatches.  Prints one line per capture and
"N passed, N failed" at the end; exit 1 on any mismatch.
"""
import collections
import re
import subprocess
import sys

LINE = re.compile(r"^\S+ (\S+) > (\S+) c2s (\d+) pkts (\d+) bytes \d+ data "
                  r"s2c (\d+) pkts (\d+) bytes ")


def tshark_streams(pcap, extra):
    fields = ["tcp.stream", "ip.src", "ipv6.src", "tcp.srcport", "ip.dst",
              "ipv6.dst", "tcp.dstport", "frame.len",
              "tcp.analysis.lost_segment", "tcp.analysis.ack_lost_segment",
              "frame.time_epoch"]
    cmd = ["tshark", "-n", "-r", pcap, "-Y", "tcp", "-T", "fields",
           "-E", "separator=\t", "-E", "occurrence=a"] + extra
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    streams = {}
    for line in out.splitlines():
        v = line.split("\t")
        if len(v) < len(fields) or v[0] == "" or "," in v[0]:
            continue
        sid = int(v[0])
        src = v[1] or v[2]
        dst = v[4] or v[5]
        s = streams.setdefault(sid, {"dirs": collections.OrderedDict(),
                                     "lossy": False, "tunnel": False,
                                     "t": float(v[10] or 0)})
        if ("," in src or "," in dst or "," in v[3] or (v[1] and v[2])):
            s["tunnel"] = True
            continue
        if v[8] or v[9]:
            s["lossy"] = True
        a = ep(src, v[3])
        b = ep(dst, v[6])
        d = s["dirs"].setdefault((a, b), [0, 0])
        d[0] += 1
        d[1] += int(v[7])
    return streams


def ep(addr, port):
    return ("[%s]:%s" % (addr, port)) if ":" in addr else ("%s:%s" %
                                                          (addr, port))


def tlsdiag_flows(tlsdiag, pcap):
    r = subprocess.run([tlsdiag, "-r", pcap, "--flows"], capture_output=True,
                       text=True)
    flows = collections.defaultdict(list)
    for line in r.stdout.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        c, s = m.group(1), m.group(2)
        flows[frozenset((c, s))].append({
            (c, s): [int(m.group(3)), int(m.group(4))],
            (s, c): [int(m.group(5)), int(m.group(6))]})
    return r.returncode, r.stderr.strip().splitlines()[:1], flows


def compare(tlsdiag, pcap, verbose, extra):
    rc, err, ours = tlsdiag_flows(tlsdiag, pcap)
    theirs = tshark_streams(pcap, extra)
    used = collections.Counter()
    bad, skipped, good = [], 0, 0
    for sid in sorted(theirs, key=lambda k: (theirs[k]["t"], k)):
        s = theirs[sid]
        if s["tunnel"] or not s["dirs"]:
            skipped += 1
            continue
        key = frozenset(e for d in s["dirs"] for e in d)
        if len(key) != 2:
            skipped += 1
            continue
        i = used[key]
        used[key] += 1
        mine = ours[key][i] if i < len(ours[key]) else None
        same = mine is not None and all(
            mine.get(d, [0, 0]) == v for d, v in s["dirs"].items())
        if same:
            good += 1
        elif s["lossy"]:
            skipped += 1
        else:
            bad.append("stream %d %s: tshark %s, tlsdiag %s" % (
                sid, sorted(key), dict(s["dirs"]), mine))
    return rc, err, good, skipped, bad


def main():
    args = sys.argv[1:]
    tlsdiag, verbose, extra = "./tlsdiag", False, []
    while args and args[0].startswith("-"):
        if args[0] == "--tlsdiag":
            tlsdiag = args[1]
            args = args[2:]
        elif args[0] == "-v":
            verbose = True
            args = args[1:]
        else:
            sys.exit(__doc__)
    npass = nfail = 0
    for pcap in args:
        rc, err, good, skipped, bad = compare(tlsdiag, pcap, verbose, extra)
        status = "ok" if not bad and rc in (0, 1) else "MISMATCH"
        if rc not in (0, 1):
            bad.append("tlsdiag exited %d" % rc)
        print("%s %s: %d equal, %d skipped (loss/tunnel), %d differ%s" % (
            status, pcap, good, skipped, len(bad),
            (" [exit %d: %s]" % (rc, err[0] if err else "")) if rc else ""))
        for b in bad[:20 if verbose else 3]:
            print("    " + b)
        if bad:
            nfail += 1
        else:
            npass += 1
    print("%d passed, %d failed" % (npass, nfail))
    sys.exit(1 if nfail else 0)


if __name__ == "__main__":
    main()
