#!/usr/bin/env python3
"""Small real peers for the scenarios (standard library only).

  peers.py tcp-server IP PORT             line server: answers each line with "+PONG"; prints
                                          "listening" once bound
  peers.py tcp-client IP PORT [--count N] [--timeout S] [--retry-for S] [--source-port P]
                                          one connection, N PING/PONG round trips, clean close;
                                          exit 0 ok, 10 connect timed out, 11 refused/unreachable,
                                          12 bad answer
  peers.py http-get URL [--timeout S]     one GET, exit 0 on a 200 answer
"""
import socket
import socketserver
import sys
import time
import urllib.request


def arg(args, name, default):
    if name in args:
        return type(default)(args[args.index(name) + 1])
    return default


class PongHandler(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            if not line.strip():
                break
            self.wfile.write(b"+PONG\r\n")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def tcp_server(ip, port):
    with Server((ip, int(port)), PongHandler) as server:
        print("listening on %s:%s" % (ip, port), flush=True)
        server.serve_forever()


def tcp_client(ip, port, args):
    count = arg(args, "--count", 1)
    timeout = arg(args, "--timeout", 3.0)
    retry_for = arg(args, "--retry-for", 0.0)
    source = ("", arg(args, "--source-port", 0))
    deadline = time.monotonic() + retry_for
    while True:
        try:
            sock = socket.create_connection((ip, int(port)), timeout=timeout, source_address=source)
            break
        except socket.timeout:
            if time.monotonic() < deadline:
                continue
            print("connect to %s:%s timed out after %.1f s" % (ip, port, timeout), flush=True)
            return 10
        except OSError as error:
            if time.monotonic() < deadline:
                time.sleep(0.1)
                continue
            print("connect to %s:%s failed: %s" % (ip, port, error), flush=True)
            return 11
    with sock:
        reader = sock.makefile("rb")
        for _ in range(count):
            sock.sendall(b"PING\r\n")
            if reader.readline() != b"+PONG\r\n":
                return 12
        sock.shutdown(socket.SHUT_WR)
        reader.read()
    print("connected to %s:%s, %d round trip(s)" % (ip, port, count), flush=True)
    return 0


def http_get(url, args):
    with urllib.request.urlopen(url, timeout=arg(args, "--timeout", 3.0)) as answer:
        answer.read()
        return 0 if answer.status == 200 else 1


def main(argv):
    if len(argv) >= 4 and argv[1] == "tcp-server":
        return tcp_server(argv[2], argv[3])
    if len(argv) >= 4 and argv[1] == "tcp-client":
        return tcp_client(argv[2], argv[3], argv[4:])
    if len(argv) >= 3 and argv[1] == "http-get":
        return http_get(argv[2], argv[3:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
