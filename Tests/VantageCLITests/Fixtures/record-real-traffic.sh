#!/usr/bin/env bash
# Records real traffic for the decode cross-check: the kernel's ARP and NDP, ICMP echo, TCP and
# HTTP between two hosts, keepalived's VRRP adverts and gratuitous ARP, and ucarp's CARP
# adverts. Writes an Ethernet capture (tcpdump -i eth0 on host a) to $1.
source "$(dirname "$0")/../../../Scenarios/lib.sh"
out=$1
vt_init decode
vt_switch
vt_host a 10.88.0.1/24 02:88:00:00:00:01
vt_host b 10.88.0.2/24 02:88:00:00:00:02
vt_host c 10.88.0.3/24 02:88:00:00:00:03
vt_capture a eth0 "$VT_TMP/a.pcap"

vt_keepalived a 150 10.88.0.100/24
vt_keepalived b 100 10.88.0.100/24
printf '#!/bin/sh\nip addr add 10.88.0.200/24 dev "$1"\n' >"$VT_TMP/up.sh"
printf '#!/bin/sh\nip addr del 10.88.0.200/24 dev "$1"\n' >"$VT_TMP/down.sh"
chmod +x "$VT_TMP/up.sh" "$VT_TMP/down.sh"
vt_bg c "$VT_TMP/ucarp.log" ucarp -i eth0 -s 10.88.0.3 -v 7 -p secret -a 10.88.0.200 -b 1 -k 20 \
  -u "$VT_TMP/up.sh" -d "$VT_TMP/down.sh" -P
vt_bg b "$VT_TMP/http.log" python3 -m http.server 8080 --bind 10.88.0.2
vt_wait_for 10 vt_exec a python3 -c 'import socket; socket.create_connection(("10.88.0.2", 8080), 1)' \
  || vt_fail "http server did not start"

vt_exec a ping -c 2 -i 0.2 10.88.0.2 >/dev/null
vt_exec c arping -c 2 -w 3 -I eth0 10.88.0.1 >/dev/null || true
vt_exec a python3 -c 'import urllib.request; urllib.request.urlopen("http://10.88.0.2:8080/", timeout=2).read()'
vt_exec b ping -6 -c 2 -i 0.2 "fe80::88:ff:fe00:1%eth0" >/dev/null || true
vt_wait_for 10 vt_has_address a 10.88.0.100 || vt_fail "keepalived never became master"
sleep 4
vt_stop "${VT_PIDS[0]}"
cp "$VT_TMP/a.pcap" "$out"
