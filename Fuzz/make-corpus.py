#!/usr/bin/env python3
"""Writes the tiny seed corpus for the fuzz targets into Fuzz/corpus/{pcap,pcapng}.

Run from the repository root: python3 Fuzz/make-corpus.py
"""
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def pcap(magic, endian, records, link=1, snap=65535, minor=4, kuz=False):
    out = struct.pack(endian + "IHHiiII", magic, 2, minor, 0, 0, snap, link)
    for sec, frac, data, orig in records:
        out += struct.pack(endian + "IIII", sec, frac, len(data), orig)
        if kuz:
            out += bytes([0, 0, 0, 2, 8, 0, 0, 0])
        out += data
    return out


def pad4(b):
    return b + bytes(-len(b) % 4)


def block(e, btype, body):
    body = pad4(body)
    n = 12 + len(body)
    return struct.pack(e + "II", btype, n) + body + struct.pack(e + "I", n)


def options(e, opts):
    if not opts:
        return b""
    out = b""
    for code, value in opts:
        out += struct.pack(e + "HH", code, len(value)) + pad4(value)
    return out + struct.pack(e + "HH", 0, 0)


def shb(e):
    return block(e, 0x0A0D0D0A, struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0, -1) + options(e, [(4, b"seed")]))


def idb(e, link, snap=0, opts=()):
    return block(e, 1, struct.pack(e + "HHI", link, 0, snap) + options(e, list(opts)))


def epb(e, iface, units, data, orig=None, opts=()):
    body = struct.pack(e + "IIIII", iface, units >> 32, units & 0xFFFFFFFF, len(data), orig or len(data))
    return block(e, 6, pad4(body + data) + options(e, list(opts)))


def spb(e, data):
    return block(e, 3, struct.pack(e + "I", len(data)) + data)


def pb(e, iface, units, data):
    body = struct.pack(e + "HHIIII", iface, 0, units >> 32, units & 0xFFFFFFFF, len(data), len(data))
    return block(e, 2, body + data)


def write(kind, name, data):
    os.makedirs(os.path.join(ROOT, kind), exist_ok=True)
    with open(os.path.join(ROOT, kind, name), "wb") as f:
        f.write(data)


frame = bytes(range(0, 60))
write("pcap", "le-usec", pcap(0xA1B2C3D4, "<", [(1, 2, frame, 60), (3, 4, frame[:20], 1514)]))
write("pcap", "be-nsec", pcap(0xA1B23C4D, ">", [(1, 999999999, frame[:14], 14)]))
write("pcap", "kuznetzov", pcap(0xA1B2CD34, "<", [(5, 6, frame[:30], 30)], kuz=True))
write("pcap", "navtel-fcs", pcap(0xA12B3C4D, ">", [(7, 8, frame, 64)], link=0x24000001))
write("pcap", "v2.2-sll", pcap(0xA1B2C3D4, "<", [(1, 1, frame[:16], 16)], link=113, minor=2))

for e, tag in (("<", "le"), (">", "be")):
    ns = [(2, b"eth0"), (9, bytes([9])), (13, bytes([4]))]
    bin20 = [(9, bytes([0x80 | 20])), (14, struct.pack(e + "q", 100))]
    write("pcapng", f"{tag}-epb", shb(e) + idb(e, 1, 262144, ns) + epb(e, 0, 123456789, frame, 64, [(2, struct.pack(e + "I", 1))]))
    write("pcapng", f"{tag}-mixed",
          shb(e) + idb(e, 1) + idb(e, 113, 0, bin20) + spb(e, frame[:20]) + block(e, 4, bytes(4))
          + pb(e, 1, 1 << 20, frame[:14]) + block(e, 5, bytes(12)) + epb(e, 1, 5, frame[:8]))
write("pcapng", "two-sections", shb("<") + idb("<", 101) + epb("<", 0, 1, frame[:20]) + shb(">") + idb(">", 276) + epb(">", 0, 2, frame[:28]))
