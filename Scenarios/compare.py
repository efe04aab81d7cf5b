#!/usr/bin/env python3
"""Runs arpwatch (-r), tshark (-q -z expert) and Vantage on the bundled incident captures and
writes docs/comparison.md: per incident, what each tool reports, in its own words, counted.
It also refreshes Vantage's text report on each incident in README.md, between the markers
`<!-- vantage-output: ID -->` and `<!-- /vantage-output -->` (the prose around them is written
by hand).

Usage: Scenarios/compare.py [--vantage PATH] [--out docs/comparison.md] [--readme README.md]
The incidents are listed in Examples/incidents.tsv.
"""
import argparse, collections, json, os, re, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(argv, timeout=300):
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    return done.returncode, done.stdout, done.stderr


def arpwatch(path):
    """arpwatch's reports for one capture: Counter of subjects (IPs stripped), plus errors."""
    with tempfile.TemporaryDirectory() as scratch:
        database = os.path.join(scratch, "arp.dat")
        open(database, "w").close()
        code, out, err = run(["arpwatch", "-r", path, "-d", "-f", database])
    text = out + err
    subjects = collections.Counter(
        re.sub(r"\s*\(.*", "", line.split(":", 1)[1].strip())
        for line in text.splitlines() if line.startswith("Subject:"))
    problems = [line.strip() for line in text.splitlines()
                if line.strip() and not line.startswith((" ", "From:", "To:", "Subject:"))
                and ":" in line and "arpwatch" in line.lower()]
    return subjects, problems, code


LINK_TYPES = {1: "Ethernet", 101: "raw IP", 113: "Linux cooked v1", 276: "Linux cooked v2"}


def link_type(path):
    """The link type name of a classic pcap file (None for pcapng or unknown)."""
    with open(path, "rb") as capture:
        header = capture.read(24)
    if len(header) < 24 or header[:4] not in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        return None
    order = "little" if header[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else "big"
    value = int.from_bytes(header[20:24], order) & 0x0FFFFFFF
    return LINK_TYPES.get(value, "link type %d" % value)


def tshark_expert(path):
    """tshark's expert summary for one capture: list of (severity, count, protocol, summary)."""
    code, out, err = run(["tshark", "-q", "-z", "expert", "-r", path])
    rows, severity = [], None
    for line in out.splitlines():
        header = re.match(r"^(Errors|Warns|Notes|Chats) \((\d+)\)", line)
        if header:
            severity = header.group(1)
            continue
        row = re.match(r"^\s+(\d+)\s+(\S+)\s+(\S+)\s+(.*)$", line)
        if severity and row and row.group(1).isdigit():
            rows.append((severity, int(row.group(1)), row.group(3), row.group(4).strip()))
    return rows, code


def vantage(binary, captures):
    code, out, err = run([binary, "analyze", "--format", "json", *captures])
    findings = [json.loads(line) for line in out.splitlines() if line.strip()]
    return findings, code, err.strip()


def vantage_text(binary, captures):
    """Vantage's text report on one incident, as a user sees it (no colour), paths relative."""
    env = dict(os.environ, NO_COLOR="1")
    done = subprocess.run([binary, "analyze", *captures], capture_output=True, text=True,
                          timeout=300, cwd=os.path.join(ROOT, "Examples"), env=env)
    return done.stdout.rstrip("\n"), done.returncode


def refresh_readme(path, reports):
    """Replaces the body of every `<!-- vantage-output: ID -->` block in `path` with the report
    of incident ID; returns the ids it refreshed and those it does not know."""
    text = open(path).read()
    pattern = re.compile(r"(<!-- vantage-output: (\S+) -->\n)(.*?)(<!-- /vantage-output -->)", re.S)
    refreshed, unknown = [], []

    def block(match):
        ident = match.group(2)
        if ident not in reports:
            unknown.append(ident)
            return match.group(0)
        report, code = reports[ident]
        refreshed.append(ident)
        command = "vantage analyze " + " ".join(reports[ident + "/captures"])
        return (match.group(1) + "```text\n$ " + command + "\n" + report
                + "\n$ echo $?\n%d\n```\n" % code + match.group(4))

    text = pattern.sub(block, text)
    with open(path, "w") as out:
        out.write(text)
    return refreshed, unknown


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--vantage", default=os.path.join(ROOT, ".build/release/vantage"))
    parser.add_argument("--out", default=os.path.join(ROOT, "docs/comparison.md"))
    parser.add_argument("--readme", default=os.path.join(ROOT, "README.md"))
    args = parser.parse_args()
    args.vantage = os.path.abspath(args.vantage)
    incidents = []
    with open(os.path.join(ROOT, "Examples/incidents.tsv")) as manifest:
        for line in manifest:
            if line.strip() and not line.startswith("#"):
                ident, title, captures = line.rstrip("\n").split("\t")
                incidents.append((ident, title, captures.split()))

    versions = {
        "arpwatch": "arpwatch " + (run(["dpkg-query", "-W", "-f=${Version}", "arpwatch"])[1] or "?"),
        "tshark": (run(["tshark", "--version"])[1].splitlines() or ["tshark ?"])[0],
    }
    lines = [
        "# Vantage next to arpwatch and Wireshark",
        "",
        "Generated by `make compare` (Scenarios/compare.py) from the captures in `Examples/`;",
        f"tools: {versions['arpwatch']}, {versions['tshark']}, and this tree's `vantage`.",
        "Each tool gets the same files: arpwatch and tshark one file at a time (neither merges",
        "vantage points), Vantage all of an incident's files at once. Counts are of the tool's own",
        "messages, in its own words.",
        "",
    ]
    reports = {}
    for ident, title, captures in incidents:
        reports[ident] = vantage_text(args.vantage, captures)
        reports[ident + "/captures"] = captures
        lines += [f"## {title}", "", f"Captures: {', '.join('`' + c + '`' for c in captures)}", ""]
        paths = []
        for capture in captures:
            name, _, file = capture.partition("=")
            paths.append((name, os.path.join(ROOT, "Examples", file)))
        lines += ["| tool | what it reports |", "|---|---|"]
        for name, path in paths:
            subjects, problems, code = arpwatch(path)
            said = ", ".join(f"{count}× \"{subject}\"" for subject, count in subjects.most_common())
            if not said:
                kind = link_type(path)
                said = "nothing"
                if code:
                    said = f"nothing: exit {code} without a message"
                    if kind and kind != "Ethernet":
                        said += f" (a {kind} capture; arpwatch reads Ethernet only)"
            if problems:
                said += "; " + "; ".join(f"\"{p}\"" for p in problems[:2])
            lines.append(f"| arpwatch `-r` ({name}) | {said} |")
        for name, path in paths:
            rows, _ = tshark_expert(path)
            shown = [r for r in rows if r[0] in ("Errors", "Warns")]
            said = "; ".join(f"{count}× {severity[:-1].lower()} {proto}: \"{summary}\""
                             for severity, count, proto, summary in shown) or "no errors or warnings"
            lines.append(f"| tshark `-z expert` ({name}) | {said} |")
        findings, code, err = vantage(args.vantage, [f"{n}={p}" for n, p in paths])
        if findings:
            said = "<br>".join(f"**{f['kind']}** ({f['severity']}): {f['summary']}" for f in findings)
        else:
            said = "no findings" + (f" ({err})" if err else "")
        lines.append(f"| Vantage (exit {code}) | {said} |")
        lines.append("")
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as out:
        out.write("\n".join(lines))
    print(f"wrote {args.out}")
    refreshed, unknown = refresh_readme(args.readme, reports)
    print(f"refreshed Vantage's output for {', '.join(refreshed) or 'no incident'} in {args.readme}")
    if unknown:
        print(f"README blocks for unknown incidents left as they were: {', '.join(unknown)}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
