#!/usr/bin/env python3
"""A cluster heartbeat peer (standard library only), like a Windows failover-cluster node's
clusnet: every INTERVAL seconds one small sequenced datagram from MY_IP:PORT to PORT on every
peer (unicast full mesh), and a receiver that drains what arrives.

  heartbeat_peer.py MY_IP PORT INTERVAL PEER_IP...

MY_IP and the peers may be IPv6 addresses (a Windows cluster with IPv6 on its networks
heartbeats over IPv6). Sends with a plain sleep loop, so a process frozen by SIGSTOP sends nothing and, once continued,
sends at once (as a starved host does). Prints "sending" once bound.
"""
import socket
import struct
import sys
import threading
import time


def main(argv):
    me, port, interval, peers = argv[0], int(argv[1]), float(argv[2]), argv[3:]
    family = socket.AF_INET6 if ":" in me else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((me, port))

    def drain():
        while True:
            sock.recv(2048)

    threading.Thread(target=drain, daemon=True).start()
    print("sending", flush=True)
    sequence = 0
    while True:
        for peer in peers:
            sock.sendto(struct.pack(">4sIQ", b"HBT1", sequence, time.monotonic_ns()), (peer, port))
        sequence += 1
        time.sleep(interval)


if __name__ == "__main__":
    main(sys.argv[1:])
