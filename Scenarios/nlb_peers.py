#!/usr/bin/env python3
"""Peers for scenario 002 (standard library only): a crafted Windows NLB member, a web server
that serves one named site only, a load-balancer-style health checker and a browser.

  nlb_peers.py nlb-member IFACE HOSTID CLUSTER_IP DEDICATED_IP [--answer-icmp] [--seconds S]
      Windows NLB unicast-mode member built from protocols.md §6 (Linux has no NLB): every
      1 s a 1496-octet heartbeat (EtherType 0x886F, signature 0xC0DE01BF, little-endian fields)
      from the masked source 02:HOSTID:CLUSTER_IP to the cluster MAC 02:bf:CLUSTER_IP; answers
      ARP requests for CLUSTER_IP with "is-at 02:bf:..." sent from the masked source; with
      --answer-icmp also answers ICMP echo requests to CLUSTER_IP (from the masked source).
      Prints "member up" once its socket is bound. AF_PACKET; IFACE should be promiscuous.
  nlb_peers.py vhost-server IP PORT SITE
      HTTP server answering 200 to requests whose Host is SITE, 404 to others (no Host, or an
      IP address): an IIS site bound to a host name. Prints "listening".
  nlb_peers.py check IP PORT --count N --interval S [--host NAME]
      Health checker: a new connection per check, "HEAD / HTTP/1.0" without Host (or
      "HEAD / HTTP/1.1" with Host NAME); prints each status line.
  nlb_peers.py get IP PORT HOST --at T1,T2,...
      Browser: a GET with "Host: HOST" at each offset (seconds from start); prints each status.
"""
import http.server
import socket
import struct
import sys
import time
import threading

ETH_P_ALL = 0x0003


def mac_bytes(text):
    return bytes(int(part, 16) for part in text.split(":"))


def arg(args, name, default):
    if name in args:
        return type(default)(args[args.index(name) + 1])
    return default


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return (~total) & 0xFFFF


def heartbeat(host_id, cluster, dedicated, handled):
    body = struct.pack("<III", 0xC0DE01BF, 0x0204, host_id) + cluster + dedicated
    body += struct.pack("<HHHHIIII", host_id, 1, 1, 1, 0, handled, 0, 0)
    return body + bytes(1496 - len(body))


def nlb_member(iface, host_id, cluster_ip, dedicated_ip, args):
    host_id = int(host_id)
    cluster = socket.inet_aton(cluster_ip)
    dedicated = socket.inet_aton(dedicated_ip)
    cluster_mac = b"\x02\xbf" + cluster
    masked = bytes([0x02, host_id]) + cluster
    answer_icmp = "--answer-icmp" in args
    seconds = arg(args, "--seconds", 60.0)
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.bind((iface, 0))
    sock.settimeout(0.05)
    print("member up: host %d, cluster %s, masked source %s" % (host_id, cluster_ip, masked.hex(":")), flush=True)
    end = time.time() + seconds
    next_beat = time.time()
    handled = 0
    while time.time() < end:
        now = time.time()
        if now >= next_beat:
            sock.send(cluster_mac + masked + b"\x88\x6f" + heartbeat(host_id, cluster, dedicated, handled))
            next_beat += 1.0
        try:
            frame, address = sock.recvfrom(2048)
        except socket.timeout:
            continue
        if address[2] == socket.PACKET_OUTGOING or len(frame) < 42:
            continue
        ethertype = struct.unpack_from("!H", frame, 12)[0]
        source_mac = frame[6:12]
        if ethertype == 0x0806 and struct.unpack_from("!H", frame, 20)[0] == 1 and frame[38:42] == cluster:
            # ARP request for the cluster IP: "cluster IP is-at 02:bf:..." from the masked source.
            sender_mac, sender_ip = frame[22:28], frame[28:32]
            reply = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) + cluster_mac + cluster + sender_mac + sender_ip
            sock.send(source_mac + masked + b"\x08\x06" + reply + bytes(18))
            print("arp reply to %s" % socket.inet_ntoa(sender_ip), flush=True)
        elif answer_icmp and ethertype == 0x0800 and frame[30:34] == cluster and frame[23] == 1:
            ihl = (frame[14] & 0x0F) * 4
            total = struct.unpack_from("!H", frame, 16)[0]
            icmp = frame[14 + ihl:14 + total]
            if len(icmp) < 8 or icmp[0] != 8:
                continue
            handled += 1
            reply_icmp = b"\x00\x00\x00\x00" + icmp[4:]
            reply_icmp = reply_icmp[:2] + struct.pack("!H", checksum(reply_icmp)) + reply_icmp[4:]
            header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(reply_icmp), 0, 0x4000, 128, 1, 0, cluster, frame[26:30])
            header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
            sock.send(source_mac + masked + b"\x08\x00" + header + reply_icmp)


class VHostHandler(http.server.BaseHTTPRequestHandler):
    site = ""

    def answer(self, body):
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        if host == self.site:
            self.send_response(200)
        else:
            self.send_response(404)
            body = b"site not found\n"
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return body

    def do_GET(self):
        self.wfile.write(self.answer(b"hello from %s\n" % self.site.encode()))

    def do_HEAD(self):
        self.answer(b"")

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.client_address[0], fmt % args))


def vhost_server(ip, port, site):
    VHostHandler.site = site.lower()
    server = http.server.ThreadingHTTPServer((ip, int(port)), VHostHandler)
    print("listening on %s:%s for Host %s" % (ip, port, site), flush=True)
    server.serve_forever()


def one_request(ip, port, request):
    with socket.create_connection((ip, int(port)), timeout=3) as conn:
        conn.sendall(request)
        data = b""
        while b"\r\n" not in data:
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
        return data.split(b"\r\n")[0].decode(errors="replace")


def check(ip, port, args):
    count = arg(args, "--count", 10)
    interval = arg(args, "--interval", 2.0)
    host = arg(args, "--host", "")
    start = time.time()
    for index in range(count):
        delay = start + index * interval - time.time()
        if delay > 0:
            time.sleep(delay)
        request = ("HEAD / HTTP/1.1\r\nHost: %s\r\n\r\n" % host) if host else "HEAD / HTTP/1.0\r\n\r\n"
        try:
            print("check %d: %s" % (index, one_request(ip, port, request.encode())), flush=True)
        except OSError as error:
            print("check %d: error %s" % (index, error), flush=True)


def get(ip, port, host, args):
    offsets = [float(x) for x in arg(args, "--at", "0").split(",")]
    start = time.time()
    for offset in offsets:
        delay = start + offset - time.time()
        if delay > 0:
            time.sleep(delay)
        request = "GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % host
        print("get at %.1f: %s" % (offset, one_request(ip, port, request.encode())), flush=True)


def main(argv):
    command, rest = argv[1], argv[2:]
    if command == "nlb-member":
        nlb_member(rest[0], rest[1], rest[2], rest[3], rest[4:])
    elif command == "vhost-server":
        vhost_server(rest[0], rest[1], rest[2])
    elif command == "check":
        check(rest[0], rest[1], rest[2:])
    elif command == "get":
        get(rest[0], rest[1], rest[2], rest[3:])
    else:
        sys.exit("unknown command %s" % command)


if __name__ == "__main__":
    main(sys.argv)
