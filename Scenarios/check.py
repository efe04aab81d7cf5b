#!/usr/bin/env python3
"""Judges `vantage analyze --format json` against one scenario's expectations.

Usage:
  check.py SPEC.json                       run $VANTAGE analyze on the spec's captures, then judge
  check.py SPEC.json --findings F --exit N judge a saved output (F) and exit code (N) instead

Prints one line per check, "PASS <scenario>: ..." or "FAIL <scenario>: ...", and exits 1 if any
check failed (0 otherwise; 3 when `vantage analyze` does not exist and VT_REQUIRE_ANALYZE != 1,
after printing SKIP lines).

The spec (JSON, written by the scenario script with the real addresses and times):

  scenario       name used in the output lines
  title          one line saying what the scenario shows (used when it is exported as an example)
  captures       {"vantage name": "file.pcap", ...}, passed as name=file in this order
  vantage_args   extra arguments for `vantage analyze` (optional)
  expect_exit    expected exit code of `vantage analyze` (1 when a finding >= warning is expected)
  fail_at        severity from which a finding must be expected or allowed (default "warning")
  tolerance      seconds of slack for every time comparison (default 2.0)
  require        findings that must be present: each a matcher (below) with a "name"
  optional       matchers checked only when Vantage emits their kind at all: then at least one
                 finding of that kind must match
  allow          matchers for findings >= fail_at that are acceptable but not required
                 (e.g. a consequence that names its cause in caused_by)

A matcher holds any of:
  kind           exact kind
  severity       list of accepted severities, or min_severity / max_severity
  ips, macs      every listed value must be in the finding's ips / macs (MACs case-insensitive)
  names          every listed string must appear in ips, macs or summary (case-insensitive)
  text_any       at least one of these substrings must appear in summary + remedy + details
  starts_in      [t0, t1]: finding start within, +- tolerance
  ends_in        [t0, t1]: finding end within, +- tolerance
  overlaps       [t0, t1]: [start, end] overlaps [t0 - tol, t1 + tol]
  vantages       every listed vantage name must be in the finding's vantages
  evidence       list of {"vantage": name (optional), "match": frame predicate, "min": n}:
                 at least n evidence items point at frames that satisfy the predicate
  caused_by      name of a required matcher: the finding's caused_by must hold that finding's id
  details        {"key.sub": want, ...}: the finding's details at each dotted path equal want
                 (strings case-insensitive), or, when want is [lo, hi], a number within it

With VT_EXPORT_DIR set, a scenario that passes copies its captures there as
SCENARIO-VANTAGE.pcap and records them in VT_EXPORT_DIR/incidents.tsv (`make examples`).

Frame predicates (all given keys must hold): mac_src, mac_dst (mac_dst needs an Ethernet
capture; mac_src in a Linux cooked capture is the link-layer address field), arp_op
("request"/"reply"), arp_sha, arp_spa, arp_tha, arp_tpa, ip_src, ip_dst (IPv4 or IPv6, as
Python's ipaddress prints them), proto ("tcp", "icmp", "icmp6", "udp", "arp", "vrrp", "carp";
"ipv6" for another next header), tcp_flags (set of S, A, F, R, P: exact match on those five),
direction ("in"/"out", cooked captures only).
"""
import ipaddress
import json
import os
import struct
import subprocess
import sys

SEVERITIES = ["info", "warning", "critical"]
KINDS = {
    "arp.unanswered", "ndp.unanswered", "neighbor.moved", "neighbor.stale_after_move",
    "arp.duplicate_ip", "ndp.duplicate_address", "arp.flip_flop", "arp.mac_mismatch",
    "arp.storm", "neighbor.table_saturated",
}
REQUIRED_FIELDS = {
    "id": str, "kind": str, "severity": str, "start": (int, float), "end": (int, float),
    "summary": str, "ips": list, "macs": list, "vantages": list, "evidence": list,
    "remedy": str, "caused_by": list, "details": dict,
}


# ---------------------------------------------------------------------------------------------
# Captures: classic pcap (what tcpdump -w writes), Ethernet and Linux cooked v1/v2.

def mac_str(b):
    return ":".join("%02x" % x for x in b)


def ip_str(b):
    return ".".join(str(x) for x in b)


def parse_l3(frame, ethertype, off, out):
    while ethertype in (0x8100, 0x88A8) and len(frame) >= off + 4:
        ethertype = struct.unpack_from(">H", frame, off + 2)[0]
        off += 4
    out["ethertype"] = ethertype
    if ethertype == 0x0806 and len(frame) >= off + 28:
        hrd, pro, hln, pln, op = struct.unpack_from(">HHBBH", frame, off)
        if hln == 6 and pln == 4:
            a = off + 8
            out.update(proto="arp", arp_op={1: "request", 2: "reply"}.get(op, str(op)),
                       arp_sha=mac_str(frame[a:a + 6]), arp_spa=ip_str(frame[a + 6:a + 10]),
                       arp_tha=mac_str(frame[a + 10:a + 16]), arp_tpa=ip_str(frame[a + 16:a + 20]))
    elif ethertype == 0x0800 and len(frame) >= off + 20:
        ihl = (frame[off] & 0x0F) * 4
        proto = frame[off + 9]
        out.update(ip_src=ip_str(frame[off + 12:off + 16]), ip_dst=ip_str(frame[off + 16:off + 20]),
                   proto={1: "icmp", 6: "tcp", 17: "udp", 112: "vrrp"}.get(proto, str(proto)))
        t = off + ihl
        if proto == 6 and len(frame) >= t + 14:
            flags = frame[t + 13]
            out["tcp_flags"] = "".join(c for c, bit in (("S", 2), ("A", 16), ("F", 1), ("R", 4), ("P", 8))
                                       if flags & bit)
            out["sport"], out["dport"] = struct.unpack_from(">HH", frame, t)
        elif proto == 1 and len(frame) >= t + 1:
            out["icmp_type"] = frame[t]
        elif proto == 112 and len(frame) >= t + 4:
            # CARP and VRRPv2 share protocol 112 and first octet 0x21; CARP is 36 octets with
            # authlen 7 (protocols.md 4.2).
            total = struct.unpack_from(">H", frame, off + 2)[0]
            if frame[t] == 0x21 and frame[t + 3] == 7 and total - ihl == 36:
                out["proto"] = "carp"
            out["ttl"] = frame[off + 8]
    elif ethertype == 0x86DD and len(frame) >= off + 40:
        # The next header right after the fixed header (no extension headers walked): "udp",
        # "tcp", "icmp6", "vrrp", else "ipv6".
        next_header = frame[off + 6]
        out.update(ip_src=str(ipaddress.IPv6Address(bytes(frame[off + 8:off + 24]))),
                   ip_dst=str(ipaddress.IPv6Address(bytes(frame[off + 24:off + 40]))),
                   proto={6: "tcp", 17: "udp", 58: "icmp6", 112: "vrrp"}.get(next_header, "ipv6"))
    return out


def parse_frame(linktype, frame):
    out = {}
    if linktype == 1 and len(frame) >= 14:
        out.update(mac_dst=mac_str(frame[0:6]), mac_src=mac_str(frame[6:12]))
        return parse_l3(frame, struct.unpack_from(">H", frame, 12)[0], 14, out)
    if linktype == 276 and len(frame) >= 20:  # LINUX_SLL2
        proto, _res, ifindex, hatype, pkttype, halen = struct.unpack_from(">HHIHBB", frame, 0)
        out.update(ifindex=ifindex, pkttype=pkttype, direction="out" if pkttype == 4 else "in")
        if hatype == 1 and halen == 6:
            out["mac_src"] = mac_str(frame[12:18])
        return parse_l3(frame, proto, 20, out)
    if linktype == 113 and len(frame) >= 16:  # LINUX_SLL
        pkttype, hatype, halen = struct.unpack_from(">HHH", frame, 0)
        out.update(pkttype=pkttype, direction="out" if pkttype == 4 else "in")
        if hatype == 1 and halen == 6:
            out["mac_src"] = mac_str(frame[6:12])
        return parse_l3(frame, struct.unpack_from(">H", frame, 14)[0], 16, out)
    return out


def read_pcap(path):
    """Frames of a classic pcap file: list of dicts (1-based frame n is list[n-1])."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError("%s: not a pcap file (%d bytes)" % (path, len(data)))
    magic = data[:4]
    table = {b"\xd4\xc3\xb2\xa1": ("<", 1e-6), b"\xa1\xb2\xc3\xd4": (">", 1e-6),
             b"\x4d\x3c\xb2\xa1": ("<", 1e-9), b"\xa1\xb2\x3c\x4d": (">", 1e-9)}
    if magic not in table:
        raise ValueError("%s: not a classic pcap file (magic %s)" % (path, magic.hex()))
    endian, unit = table[magic]
    linktype = struct.unpack_from(endian + "I", data, 20)[0] & 0x0FFFFFFF
    frames, off = [], 24
    while off + 16 <= len(data):
        sec, frac, incl, _orig = struct.unpack_from(endian + "IIII", data, off)
        body = data[off + 16:off + 16 + incl]
        off += 16 + incl
        frame = parse_frame(linktype, body)
        frame["time"] = sec + frac * unit
        frame["linktype"] = linktype
        frames.append(frame)
    return frames


def frame_matches(frame, pred):
    for key, want in pred.items():
        have = frame.get(key)
        if have is None:
            return False
        if key == "tcp_flags":
            if set(have) & set("SAFRP") != set(want):
                return False
        elif isinstance(want, list):
            if str(have).lower() not in [str(w).lower() for w in want]:
                return False
        elif str(have).lower() != str(want).lower():
            return False
    return True


def describe_frame(frame):
    keys = ["mac_src", "mac_dst", "direction", "proto", "arp_op", "arp_sha", "arp_spa", "arp_tpa",
            "ip_src", "ip_dst", "tcp_flags"]
    return " ".join("%s=%s" % (k, frame[k]) for k in keys if k in frame)


# ---------------------------------------------------------------------------------------------

class Checker:
    def __init__(self, spec):
        self.spec = spec
        self.name = spec["scenario"]
        self.tol = float(spec.get("tolerance", 2.0))
        self.failures = 0
        self.frames = {}
        for vantage, path in spec["captures"].items():
            self.frames[vantage] = read_pcap(path)

    def report(self, ok, text):
        print("%s %s: %s" % ("PASS" if ok else "FAIL", self.name, text), flush=True)
        if not ok:
            self.failures += 1
        return ok

    # -- one matcher against one finding: list of unmet constraints (empty = match) ----------
    def unmet(self, m, f, ids_by_name):
        out = []
        tol = self.tol
        if "kind" in m and f.get("kind") != m["kind"]:
            out.append("kind %s != %s" % (f.get("kind"), m["kind"]))
        sev = f.get("severity")
        if "severity" in m and sev not in m["severity"]:
            out.append("severity %s not in %s" % (sev, m["severity"]))
        if "min_severity" in m and sev_rank(sev) < sev_rank(m["min_severity"]):
            out.append("severity %s below %s" % (sev, m["min_severity"]))
        if "max_severity" in m and sev_rank(sev) > sev_rank(m["max_severity"]):
            out.append("severity %s above %s" % (sev, m["max_severity"]))
        ips = [str(x) for x in f.get("ips", [])]
        for ip in m.get("ips", []):
            if ip not in ips:
                out.append("ips %s lack %s" % (ips, ip))
        macs = [str(x).lower() for x in f.get("macs", [])]
        for mac in m.get("macs", []):
            if mac.lower() not in macs:
                out.append("macs %s lack %s" % (macs, mac))
        hay = " ".join(ips + macs + [f.get("summary", "")]).lower()
        for name in m.get("names", []):
            if name.lower() not in hay:
                out.append("does not name %s" % name)
        if "text_any" in m:
            text = (f.get("summary", "") + " " + f.get("remedy", "") + " " +
                    json.dumps(f.get("details", {}))).lower()
            if not any(t.lower() in text for t in m["text_any"]):
                out.append("summary/remedy/details mention none of %s" % m["text_any"])
        start, end = f.get("start"), f.get("end")
        if isinstance(start, (int, float)) and isinstance(end, (int, float)):
            if "starts_in" in m:
                a, b = m["starts_in"]
                if not a - tol <= start <= b + tol:
                    out.append("start %.3f outside [%.3f, %.3f] +- %.1f s" % (start, a, b, tol))
            if "ends_in" in m:
                a, b = m["ends_in"]
                if not a - tol <= end <= b + tol:
                    out.append("end %.3f outside [%.3f, %.3f] +- %.1f s" % (end, a, b, tol))
            if "overlaps" in m:
                a, b = m["overlaps"]
                if end < a - tol or start > b + tol:
                    out.append("window [%.3f, %.3f] does not overlap [%.3f, %.3f] +- %.1f s"
                               % (start, end, a, b, tol))
        for v in m.get("vantages", []):
            if v not in f.get("vantages", []):
                out.append("vantages %s lack %s" % (f.get("vantages"), v))
        for ev in m.get("evidence", []):
            n = 0
            for item in f.get("evidence", []):
                if "vantage" in ev and item.get("vantage") != ev["vantage"]:
                    continue
                frame = self.frame_of(item)
                if frame is not None and frame_matches(frame, ev["match"]):
                    n += 1
            if n < ev.get("min", 1):
                out.append("evidence has %d frame(s)%s with %s (want >= %d)"
                           % (n, " at " + ev["vantage"] if "vantage" in ev else "",
                              json.dumps(ev["match"]), ev.get("min", 1)))
        for path, want in m.get("details", {}).items():
            have = f.get("details", {})
            for part in path.split("."):
                have = have.get(part) if isinstance(have, dict) else None
            if isinstance(want, list) and len(want) == 2:
                if not isinstance(have, (int, float)) or not want[0] <= have <= want[1]:
                    out.append("details.%s = %s, not within [%s, %s]" % (path, have, want[0], want[1]))
            elif str(have).lower() != str(want).lower():
                out.append("details.%s = %s, not %s" % (path, have, want))
        if "caused_by" in m:
            want = ids_by_name.get(m["caused_by"])
            if not want or not set(want) & set(f.get("caused_by", [])):
                out.append("caused_by %s does not name the %s finding" % (f.get("caused_by"), m["caused_by"]))
        return out

    def frame_of(self, item):
        frames = self.frames.get(item.get("vantage"))
        n = item.get("frame")
        if frames is None or not isinstance(n, int) or not 1 <= n <= len(frames):
            return None
        return frames[n - 1]

    # -- the whole judgement ------------------------------------------------------------------
    def judge(self, lines, code):
        findings = []
        bad_lines = 0
        for line in lines:
            if not line.strip():
                continue
            try:
                findings.append(json.loads(line))
            except json.JSONDecodeError:
                bad_lines += 1
        self.report(bad_lines == 0, "output is JSON Lines (%d finding(s), %d unparsable line(s))"
                    % (len(findings), bad_lines))
        for f in findings:
            print("  finding %s %-26s %-8s %s" % (f.get("id"), f.get("kind"), f.get("severity"),
                                                 f.get("summary")), flush=True)
        self.report(code == self.spec.get("expect_exit", 0),
                    "vantage exit code %s (expected %s)" % (code, self.spec.get("expect_exit", 0)))
        self.check_contract(findings)

        ids_by_name = {}
        required = self.spec.get("require", [])
        for m in required:
            ok = [f for f in findings if not self.unmet(m, f, ids_by_name)]
            ids_by_name[m["name"]] = [f.get("id") for f in ok]
        for m in required:
            ok = [f for f in findings if not self.unmet(m, f, ids_by_name)]
            ids_by_name[m["name"]] = [f.get("id") for f in ok]
            self.report(bool(ok), "required %s: %s%s" % (m["name"], describe_matcher(m),
                                                          "" if ok else self.why_not(m, findings, ids_by_name)))
        for m in self.spec.get("optional", []):
            same = [f for f in findings if f.get("kind") == m.get("kind")]
            if not same:
                print("  (no %s finding reported: optional expectation %s not applicable)"
                      % (m.get("kind"), m["name"]), flush=True)
                continue
            ok = [f for f in same if not self.unmet(m, f, ids_by_name)]
            self.report(bool(ok), "optional %s: %s%s" % (m["name"], describe_matcher(m),
                                                          "" if ok else self.why_not(m, findings, ids_by_name)))

        fail_at = sev_rank(self.spec.get("fail_at", "warning"))
        expected = required + self.spec.get("optional", []) + self.spec.get("allow", [])
        unexpected = []
        for f in findings:
            if sev_rank(f.get("severity")) < fail_at:
                continue
            if not any(not self.unmet(m, f, ids_by_name) for m in expected):
                unexpected.append(f)
        self.report(not unexpected, "no unexpected finding at or above %s%s" % (
            SEVERITIES[fail_at], "".join("\n    unexpected: %s %s %s [%s .. %s] ips=%s macs=%s: %s" % (
                f.get("id"), f.get("kind"), f.get("severity"), f.get("start"), f.get("end"),
                f.get("ips"), f.get("macs"), f.get("summary")) for f in unexpected)))
        return findings

    def why_not(self, m, findings, ids_by_name):
        same = [f for f in findings if f.get("kind") == m.get("kind")]
        if not same:
            return "\n    no %s finding at all" % m.get("kind")
        best = min(same, key=lambda f: len(self.unmet(m, f, ids_by_name)))
        return "\n    closest: %s %s %s: %s\n    unmet: %s" % (
            best.get("id"), best.get("kind"), best.get("severity"), best.get("summary"),
            "; ".join(self.unmet(m, best, ids_by_name)))

    def check_contract(self, findings):
        problems = []
        ids = set()
        names = set(self.spec["captures"])
        # Evidence times are on the clock-aligned timeline: a vantage point that Vantage shifted
        # (capture.clock_offset, details.offset_ms) is compared at raw time + that offset.
        shift = {}
        for f in findings:
            d = f.get("details") or {}
            if f.get("kind") == "capture.clock_offset" and d.get("aligned") and isinstance(d.get("offset_ms"), (int, float)):
                shift[d.get("vantage")] = d["offset_ms"] / 1000.0
        for f in findings:
            fid = f.get("id")
            for field, typ in REQUIRED_FIELDS.items():
                if not isinstance(f.get(field), typ):
                    problems.append("%s: field %s missing or not %s" % (fid, field, typ))
            if "vlan" not in f:
                problems.append("%s: field vlan missing" % fid)
            if f.get("severity") not in SEVERITIES:
                problems.append("%s: severity %r" % (fid, f.get("severity")))
            if f.get("kind") not in KINDS and "." not in str(f.get("kind")):
                problems.append("%s: kind %r" % (fid, f.get("kind")))
            if isinstance(f.get("start"), (int, float)) and isinstance(f.get("end"), (int, float)) \
                    and f["start"] > f["end"]:
                problems.append("%s: start %s after end %s" % (fid, f["start"], f["end"]))
            if fid in ids:
                problems.append("%s: duplicate id" % fid)
            ids.add(fid)
            for v in f.get("vantages", []) or []:
                if v not in names:
                    problems.append("%s: unknown vantage %r" % (fid, v))
            for item in f.get("evidence", []) or []:
                frame = self.frame_of(item)
                if frame is None:
                    problems.append("%s: evidence %s/%s is not a frame of the captures"
                                    % (fid, item.get("vantage"), item.get("frame")))
                elif not isinstance(item.get("time"), (int, float)) \
                        or abs(item["time"] - frame["time"] - shift.get(item.get("vantage"), 0.0)) > 0.05:
                    problems.append("%s: evidence %s/%s time %s, frame time %.6f"
                                    % (fid, item.get("vantage"), item.get("frame"), item.get("time"), frame["time"]))
        for f in findings:
            for c in f.get("caused_by", []) or []:
                if c not in ids:
                    problems.append("%s: caused_by %r is no finding id" % (f.get("id"), c))
        self.report(not problems, "findings follow the JSON contract (fields, evidence frames exist, times agree)"
                    + "".join("\n    " + p for p in problems[:20]))


def sev_rank(s):
    return SEVERITIES.index(s) if s in SEVERITIES else -1


def describe_matcher(m):
    parts = [m.get("kind", "?")]
    for key in ("severity", "min_severity", "max_severity"):
        if key in m:
            parts.append("%s=%s" % (key, m[key]))
    for key in ("ips", "macs", "names"):
        if m.get(key):
            parts.append("%s=%s" % (key, ",".join(m[key])))
    if "text_any" in m:
        parts.append("mentions one of %s" % "/".join(m["text_any"]))
    for key in ("starts_in", "overlaps", "ends_in"):
        if key in m:
            parts.append("%s %.1f..%.1f s" % (key, m[key][0] % 1000, m[key][1] % 1000))
    for ev in m.get("evidence", []):
        parts.append("evidence %s%s" % (ev.get("vantage", "") + ":" if "vantage" in ev else "",
                                        ",".join("%s=%s" % kv for kv in ev["match"].items())))
    for path, want in m.get("details", {}).items():
        parts.append("details.%s=%s" % (path, want))
    if "caused_by" in m:
        parts.append("caused_by %s" % m["caused_by"])
    return " ".join(parts)


def export_example(spec, directory):
    """Copies a passing scenario's captures into `directory` and records them in incidents.tsv
    (one line per scenario: id, title, captures as NAME=FILE), replacing the scenario's old line."""
    import shutil
    name = spec["scenario"]
    captures = []
    for vantage, path in spec["captures"].items():
        target = "%s-%s.pcap" % (name, vantage)
        shutil.copyfile(path, os.path.join(directory, target))
        captures.append("%s=%s" % (vantage, target))
        size = os.path.getsize(path)
        if size > 2_000_000:
            print("  note: %s is %.1f MB, large for a bundled example" % (target, size / 1e6), flush=True)
    index = os.path.join(directory, "incidents.tsv")
    lines = open(index).read().splitlines() if os.path.exists(index) else []
    lines = [line for line in lines if not line.startswith(name + "\t")]
    lines.append("\t".join([name, spec.get("title", name), " ".join(captures)]))
    header = [line for line in lines if line.startswith("#")]
    body = sorted(line for line in lines if not line.startswith("#"))
    with open(index, "w") as f:
        f.write("\n".join(header + body) + "\n")
    print("  exported %s to %s" % (" ".join(captures), directory), flush=True)


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        spec = json.load(f)
    checker = Checker(spec)
    if "--findings" in argv:
        with open(argv[argv.index("--findings") + 1]) as f:
            lines = f.read().splitlines()
        code = int(argv[argv.index("--exit") + 1])
    else:
        vantage = os.environ.get("VANTAGE") or "vantage"
        try:
            run = subprocess.run([vantage, "analyze", "--help"], capture_output=True, text=True)
            probe = "ok" if run.returncode == 0 and "vantage analyze" in run.stdout else \
                "exit %d, no analyze subcommand in its help" % run.returncode
        except OSError as error:
            probe = str(error)
        if probe != "ok":
            msg = "vantage analyze is not available (%s analyze --help: %s)" % (vantage, probe)
            if os.environ.get("VT_REQUIRE_ANALYZE") == "1":
                checker.report(False, msg)
                return 1
            print("SKIP %s: %s" % (checker.name, msg), flush=True)
            return 3
        cmd = [vantage, "analyze", "--format", "json"] + spec.get("vantage_args", []) + \
              ["%s=%s" % kv for kv in spec["captures"].items()]
        print("  $ %s" % " ".join(cmd), flush=True)
        run = subprocess.run(cmd, capture_output=True, text=True)
        if run.stderr.strip():
            print("  vantage stderr: " + run.stderr.strip().replace("\n", "\n  vantage stderr: "), flush=True)
        out = spec.get("save_findings")
        if out:
            with open(out, "w") as f:
                f.write(run.stdout)
        lines, code = run.stdout.splitlines(), run.returncode
    checker.judge(lines, code)
    if checker.failures:
        return 1
    if os.environ.get("VT_EXPORT_DIR") and "--findings" not in argv:
        export_example(spec, os.environ["VT_EXPORT_DIR"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
