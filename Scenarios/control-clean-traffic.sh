#!/usr/bin/env bash
# Control: ordinary traffic on a healthy LAN must give no finding at or above warning.
# ARP resolution (and re-resolution after a flush, DELAY/PROBE unicast probes, a padded arping),
# a host that joins later announcing itself (arp_notify=1), ping, HTTP and TCP sessions, and
# IPv6 alongside (DAD, MLD, router solicitations nobody answers, NS/NA, ping6), plus the
# switch's own IGMP/MLD chatter.
#
# Topology (one bridge "sw", defaults everywhere): c1 .11 · c2 .12 · web .20 (HTTP :80) · db .30
# (TCP :6379) in 10.40.20.0/24 and fd40:20::/64; c3 .13 joins half-way.
# Vantage points: c1 eth0 (Ethernet), web "any" (Linux cooked v2), db eth0 (Ethernet).
source "$(dirname "$0")/lib.sh"
vt_scenario control-clean-traffic

NET=10.40.20 NET6=fd40:20:
vt_switch
vt_host c1 "$NET.11/24" 02:aa:20:00:00:11
vt_host c2 "$NET.12/24" 02:aa:20:00:00:12
vt_host web "$NET.20/24" 02:aa:20:00:00:20
vt_host db "$NET.30/24" 02:aa:20:00:00:30
for h in c1:11 c2:12 web:20 db:30; do vt_exec "${h%:*}" ip -6 addr add "$NET6:${h#*:}/64" dev eth0; done
vt_capture_start c1 eth0 c1
vt_capture_start web any web
vt_capture_start db eth0 db

vt_bg web "$VT_TMP/http.log" python3 -m http.server 80 --bind "$NET.20"
vt_bg db "$VT_TMP/db.log" python3 "$VT_ROOT/Scenarios/peers.py" tcp-server "$NET.30" 6379
vt_wait_log 10 "$VT_TMP/db.log" listening || vt_fail "TCP server did not start"
no_tentative() { ! vt_exec "$1" ip -6 addr show dev eth0 | grep -q tentative; }
for h in c1 c2 web db; do vt_wait_for 10 no_tentative "$h" || vt_fail "IPv6 DAD did not finish on $h"; done

round() {
  local c
  for c in c1 c2; do
    vt_exec "$c" ping -c 2 -i 0.2 -W 1 "$NET.20" >/dev/null
    vt_exec "$c" ping -c 1 -W 1 "$NET.30" >/dev/null
    vt_peers "$c" http-get "http://$NET.20/" --timeout 3
    vt_peers "$c" tcp-client "$NET.30" 6379 --count 2 --timeout 3 --retry-for 3 >/dev/null
  done
  vt_exec c1 ping -c 1 -W 1 "$NET.12" >/dev/null
  vt_exec c1 ping -6 -c 2 -i 0.2 -W 1 "${NET6}:20" >/dev/null
  vt_exec c2 ping -6 -c 1 -W 1 "${NET6}:30" >/dev/null
}
vt_verify "round 1: ping, HTTP, TCP and ping6 between all hosts" round
vt_exec c2 arping -c 2 -i eth0 "$NET.30" >/dev/null
vt_exec c1 ip neigh flush dev eth0
vt_exec web ip neigh flush dev eth0
# A host joins and announces itself. With arp_notify=1 the kernel sends an ARP announcement at
# link up, but that one leaves before the switch port forwards (carrier events reach the bridge
# late), so once the port forwards the announcement is made again the kernel's way: setting the
# (same) MAC address is a NETDEV_CHANGEADDR, which with arp_notify=1 announces every address.
vt_host c3 "$NET.13/24" 02:aa:20:00:00:13
vt_wait_for 5 bash -c "bridge -n $(vt_ns sw) link show dev p-c3 | grep -q 'state forwarding'" || vt_fail "p-c3 never forwarded"
vt_exec c3 sysctl -qw net.ipv4.conf.eth0.arp_notify=1
vt_exec c3 ip link set eth0 address 02:aa:20:00:00:13
vt_verify "c3 reaches web and c1" bash -c "ip netns exec $(vt_ns c3) ping -c 1 -W 2 $NET.20 >/dev/null && ip netns exec $(vt_ns c3) ping -c 1 -W 1 $NET.11 >/dev/null"
vt_verify "round 2 after flushed caches" round
sleep 5.5   # unused entries age: DELAY -> PROBE unicast probes, answered
vt_verify "round 3" round
sleep 0.2
vt_capture_stop

vt_verify "captures hold ARP requests and replies, IPv4, IPv6 ND and the announcement of $NET.13" bash -c "
  [ \$(tcpdump -nn -r $VT_TMP/c1.pcap 'arp[6:2] == 1' 2>/dev/null | wc -l) -ge 2 ] &&
  [ \$(tcpdump -nn -r $VT_TMP/c1.pcap 'arp[6:2] == 2' 2>/dev/null | wc -l) -ge 2 ] &&
  [ \$(tcpdump -nn -r $VT_TMP/web.pcap 'tcp port 80' 2>/dev/null | wc -l) -ge 20 ] &&
  [ \$(tcpdump -nn -r $VT_TMP/db.pcap 'tcp port 6379' 2>/dev/null | wc -l) -ge 20 ] &&
  [ \$(tcpdump -nn -r $VT_TMP/c1.pcap 'icmp6 and ip6[40] == 135' 2>/dev/null | wc -l) -ge 1 ] &&
  [ \$(tcpdump -nn -r $VT_TMP/c1.pcap 'arp and ether src 02:aa:20:00:00:13 and arp[14:4] == arp[24:4]' 2>/dev/null | wc -l) -ge 1 ]"

cat >"$VT_TMP/spec.json" <<JSON
{
  "scenario": "$VT_NAME",
  "title": "Control: ordinary traffic (ARP, NDP, HTTP, TCP, ping) with no fault",
  "captures": {"c1": "$VT_TMP/c1.pcap", "web": "$VT_TMP/web.pcap", "db": "$VT_TMP/db.pcap"},
  "save_findings": "$VT_TMP/findings.jsonl",
  "expect_exit": 0,
  "require": [],
  "allow": []
}
JSON
vt_analyze "$VT_TMP/spec.json"
vt_finish
