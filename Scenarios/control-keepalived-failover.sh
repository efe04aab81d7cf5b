#!/usr/bin/env bash
# Control: a normal keepalived failover must give no finding at or above warning. A VRRP pair
# (real keepalived, VIP on the physical interfaces as by default) serves gateway VIP .1; clients
# ping the VIP and fetch HTTP from it; gw1's keepalived is stopped by pid (SIGTERM: priority-0
# advertisement, VIP removed); gw2 takes over and announces the VIP with gratuitous ARP bursts.
# keepalived is running (gw1 master) before any client uses the VIP, so no ARP for the VIP goes
# unanswered before it exists.
#
# Topology (one bridge "sw"): gw1 .2 (priority 150) · gw2 .3 (100) · client1 .30 · client2 .31
# in 10.40.30.0/24, VIP 10.40.30.1.
# Vantage points: client1 eth0 (Ethernet), gw2 "any" (Linux cooked v2), gw1 eth0 (Ethernet).
# Info findings are fine; if Vantage reports the failover (neighbor.moved for the VIP, or
# vip.failover), it must be info, name both gateways' MACs, fall at the failover and cite gw2's
# gratuitous ARP (and say the old master resigned, for vip.failover).
source "$(dirname "$0")/lib.sh"
vt_scenario control-keepalived-failover

NET=10.40.30
VIP=$NET.1
MAC_GW1=02:aa:30:00:00:02 MAC_GW2=02:aa:30:00:00:03
vt_switch
vt_host gw1 "$NET.2/24" "$MAC_GW1"
vt_host gw2 "$NET.3/24" "$MAC_GW2"
vt_host client1 "$NET.30/24" 02:aa:30:00:00:30
vt_host client2 "$NET.31/24" 02:aa:30:00:00:31
vt_capture_start client1 eth0 client1
vt_capture_start gw2 any gw2
vt_capture_start gw1 eth0 gw1

for g in gw1 gw2; do vt_bg "$g" "$VT_TMP/http-$g.log" python3 -m http.server 80 --bind 0.0.0.0; done
vt_keepalived_pair "$VIP/24"
ka1=$VT_KEEPALIVED_GW1

fetch() { vt_peers "$1" http-get "http://$VIP/" --timeout 2; }
vt_bg client1 "$VT_TMP/ping1.log" ping -i 0.2 -W 1 "$VIP"; ping1=$VT_LAST_PID
vt_bg client2 "$VT_TMP/ping2.log" ping -i 0.2 -W 1 "$VIP"; ping2=$VT_LAST_PID
fetch_both() { fetch client1 && fetch client2; }
entries_are() {
  vt_neigh_is client1 "$VIP" "$1" "REACHABLE|STALE|DELAY|PROBE" && vt_neigh_is client2 "$VIP" "$1" "REACHABLE|STALE|DELAY|PROBE"
}
vt_verify "before: clients fetch http://$VIP/ (gw1)" fetch_both
sleep 1
vt_verify "before: clients' entry for $VIP is gw1 ($(vt_neigh client1 $VIP), $(vt_neigh client2 $VIP))" entries_are "$MAC_GW1"

t_failover=$(vt_now)
vt_log "stopping gw1's keepalived (pid $ka1)"
vt_stop "$ka1"
vt_verify "gw2 took over $VIP" vt_wait_for 10 vt_has_address gw2 "$VIP"
t_taken=$(vt_now)
vt_verify "gw1 released $VIP" bash -c "! ip -n $(vt_ns gw1) -4 -o addr show dev eth0 | grep -q ' $VIP/'"
vt_verify "after: clients' entry for $VIP is gw2" vt_wait_for 5 entries_are "$MAC_GW2"
sleep 1.5
vt_verify "after: clients fetch http://$VIP/ (gw2)" fetch_both
sleep 1
vt_stop "$ping1"; vt_stop "$ping2"
t_end=$(vt_now)
sleep 0.2
vt_capture_stop
vt_log "client pings: $(tail -n 2 "$VT_TMP/ping1.log" | head -n 1) / $(tail -n 2 "$VT_TMP/ping2.log" | head -n 1)"

ip2hex() { printf '0x%02x%02x%02x%02x' ${1//./ }; }
GARP="arp[6:2] == 1 and arp[14:4] == $(ip2hex $VIP) and arp[24:4] == $(ip2hex $VIP)"
vt_show client1 "arp or (vrrp and ip[8] == 255 and ip[22] == 0)"
vt_verify "client1 capture: GARPs for $VIP from gw2 after the failover" \
  vt_frames_since_at_least 5 client1 "$t_failover" "$GARP and ether src $MAC_GW2"
vt_verify "gw2 capture: gw2 sent VRRP adverts after the failover, gw1's priority-0 advert arrived" bash -c "
  [ \$(tcpdump -tt -nn -r $VT_TMP/gw2.pcap 'outbound and vrrp' 2>/dev/null | awk -v t=$t_failover '\$1 >= t' | wc -l) -ge 2 ] &&
  [ \$(tcpdump -nn -r $VT_TMP/gw2.pcap 'inbound and vrrp and ip[22] == 0' 2>/dev/null | wc -l) -ge 1 ]"
vt_verify "client1 capture: echo replies from $VIP via gw1 before and via gw2 after" bash -c "
  [ \$(tcpdump -nn -r $VT_TMP/client1.pcap 'icmp[0] == 0 and src host $VIP and ether src $MAC_GW1' 2>/dev/null | wc -l) -ge 3 ] &&
  [ \$(tcpdump -nn -r $VT_TMP/client1.pcap 'icmp[0] == 0 and src host $VIP and ether src $MAC_GW2' 2>/dev/null | wc -l) -ge 3 ]"

cat >"$VT_TMP/spec.json" <<JSON
{
  "scenario": "$VT_NAME",
  "title": "Control: a normal keepalived failover with gratuitous ARP",
  "captures": {"client1": "$VT_TMP/client1.pcap", "gw2": "$VT_TMP/gw2.pcap", "gw1": "$VT_TMP/gw1.pcap"},
  "save_findings": "$VT_TMP/findings.jsonl",
  "expect_exit": 0,
  "tolerance": 2.0,
  "require": [],
  "optional": [
    {"name": "failover", "kind": "neighbor.moved", "max_severity": "info",
     "ips": ["$VIP"], "macs": ["$MAC_GW1", "$MAC_GW2"], "overlaps": [$t_failover, $t_taken],
     "evidence": [{"min": 1, "match": {"arp_op": "request", "arp_spa": "$VIP", "arp_tpa": "$VIP", "arp_sha": "$MAC_GW2"}}]},
    {"name": "vrrp-failover", "kind": "vip.failover", "max_severity": "info",
     "ips": ["$VIP", "$NET.2", "$NET.3"], "macs": ["$MAC_GW1", "$MAC_GW2"], "overlaps": [$t_failover, $t_taken],
     "text_any": ["resign", "priority 0"],
     "evidence": [{"min": 1, "match": {"arp_op": "request", "arp_spa": "$VIP", "arp_tpa": "$VIP", "arp_sha": "$MAC_GW2"}}]}
  ],
  "allow": []
}
JSON
vt_analyze "$VT_TMP/spec.json"
vt_finish
