#!/usr/bin/env bash
# vip.failover for a CARP group run by ucarp (Debian's user-space CARP). ucarp advertises as
# CARP on IP protocol 112 (36-octet header, the same first octet 0x21 as VRRPv2, which tcpdump
# and tshark mislabel as VRRP) from the Ethernet source 00:00:5e:00:00:<vhid> (00 in octet 5,
# not the RFC's 01), while the VIP itself is answered with the master's real MAC (the up-script
# adds the address; ucarp's GARP carries the real MAC). gw1 (advskew 0) is master; its ucarp is
# stopped by pid (SIGTERM: the down-script removes the VIP; ucarp sends no resignation), gw2
# (advskew 100) takes over after 3 x advbase + 100/256 s plus its poll loop and announces the
# VIP. Vantage must report one info vip.failover for the CARP vhid 7 group (decoded as CARP),
# naming both nodes' real MACs, and nothing at or above warning.
#
# Topology (one quiet bridge): gw1 .2 · gw2 .3 · client1 .30 · client2 .31 in 10.41.5.0/24,
# VIP 10.41.5.1, vhid 7, advbase 1. Vantage points: client1 eth0, gw2 "any", gw1 eth0.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/viplib.sh"
vt_scenario vip-ucarp-failover

NET=10.41.5
VIP=$NET.1
VHID=7 CARP_MAC=00:00:5e:00:00:07
MAC_GW1=02:aa:41:05:00:02 MAC_GW2=02:aa:41:05:00:03
vt_switch_quiet
vt_host_quiet gw1 "$NET.2/24" "$MAC_GW1"
vt_host_quiet gw2 "$NET.3/24" "$MAC_GW2"
vt_host_quiet client1 "$NET.30/24" 02:aa:41:05:00:30
vt_host_quiet client2 "$NET.31/24" 02:aa:41:05:00:31
vt_capture_start client1 eth0 client1
vt_capture_start gw2 any gw2
vt_capture_start gw1 eth0 gw1

vip_ucarp gw1 "$NET.2" "$VHID" 0 "$VIP"; uc1=$VT_LAST_PID
vt_verify "gw1 became CARP master and holds $VIP" vt_wait_for 15 vt_has_address gw1 "$VIP"
vip_ucarp gw2 "$NET.3" "$VHID" 100 "$VIP"
vt_verify "gw2 is BACKUP" vt_wait_log 10 "$VT_TMP/ucarp-gw2.log" "BACKUP"
sleep 1
vt_verify "gw2 does not hold $VIP" bash -c "! ip -n $(vt_ns gw2) -4 -o addr show dev eth0 | grep -q ' $VIP/'"

vt_bg client1 "$VT_TMP/ping1.log" ping -i 0.2 -W 1 "$VIP"; ping1=$VT_LAST_PID
vt_bg client2 "$VT_TMP/ping2.log" ping -i 0.5 -W 1 "$VIP"; ping2=$VT_LAST_PID
sleep 3
entries_are() {
  vt_neigh_is client1 "$VIP" "$1" "REACHABLE|STALE|DELAY|PROBE" && vt_neigh_is client2 "$VIP" "$1" "REACHABLE|STALE|DELAY|PROBE"
}
vt_verify "before: clients' entry for $VIP is gw1's real MAC ($(vt_neigh client1 $VIP), $(vt_neigh client2 $VIP))" entries_are "$MAC_GW1"

t_failover=$(vt_now)
vt_log "stopping gw1's ucarp (pid $uc1)"
vt_stop "$uc1"
vt_verify "gw1 released $VIP (down-script)" vt_wait_for 3 bash -c "! ip -n $(vt_ns gw1) -4 -o addr show dev eth0 | grep -q ' $VIP/'"
vt_verify "gw2 took over $VIP" vt_wait_for 10 vt_has_address gw2 "$VIP"
t_taken=$(vt_now)
vt_verify "after: clients' entry for $VIP is gw2's real MAC" vt_wait_for 5 entries_are "$MAC_GW2"
sleep 4     # ucarp's second GARP (after two more adverts) and pings through gw2
vt_stop "$ping1"; vt_stop "$ping2"
sleep 0.2
vt_capture_stop

vt_show client1 "arp or ip proto 112"
vt_verify "client1 capture: >= 3 adverts before the failover and >= 2 after, all CARP-sized (36 octets) from $CARP_MAC, TTL 255" bash -c "
  [ \$(tcpdump -tt -nn -r $VT_TMP/client1.pcap 'ip proto 112' 2>/dev/null | awk -v t=$t_failover '\$1 < t' | wc -l) -ge 3 ] &&
  [ \$(tcpdump -tt -nn -r $VT_TMP/client1.pcap 'ip proto 112' 2>/dev/null | awk -v t=$t_failover '\$1 >= t' | wc -l) -ge 2 ] &&
  [ \$(tcpdump -nn -r $VT_TMP/client1.pcap 'ip proto 112' 2>/dev/null | wc -l) = \$(tcpdump -nn -r $VT_TMP/client1.pcap 'ip proto 112 and ether src $CARP_MAC and ip[2:2] == 56 and ip[8] == 255 and ip[20] == 0x21 and ip[23] == 7' 2>/dev/null | wc -l) ]"
vt_verify "client1 capture: gw2's GARP for $VIP with its real MAC" \
  vt_frames_since_at_least 1 client1 "$t_failover" "arp and arp[14:4] == $(vip_ip2hex $VIP) and arp[24:4] == $(vip_ip2hex $VIP) and ether src $MAC_GW2"
vt_verify "client1 capture: echo replies from $VIP via gw1 before and via gw2 after" bash -c "
  [ \$(tcpdump -nn -r $VT_TMP/client1.pcap 'icmp[0] == 0 and src host $VIP and ether src $MAC_GW1' 2>/dev/null | wc -l) -ge 3 ] &&
  [ \$(tcpdump -nn -r $VT_TMP/client1.pcap 'icmp[0] == 0 and src host $VIP and ether src $MAC_GW2' 2>/dev/null | wc -l) -ge 3 ]"

adverts_from() { tcpdump -tt -nn -r "$VT_TMP/client1.pcap" "ip proto 112 and src host $1" 2>/dev/null | awk '{ print $1 }'; }
t_last=$(adverts_from "$NET.2" | awk -v t="$t_failover" '$1 < t { last = $1 } END { print last }')
t_first=$(adverts_from "$NET.3" | awk -v t="$t_failover" '$1 >= t { print $1; exit }')
gap=$(python3 -c "print('%.6f' % ($t_first - $t_last))")
vt_log "gw1's last advert $t_last, gw2's first $t_first: gap $gap s"
vt_verify "takeover gap $gap s: 3 x 1 s + 100/256 s, plus up to ~1.3 s of ucarp's poll loop" vip_between "$gap" 3.3 5.0
gap_lo=$(python3 -c "print($gap - 0.05)"); gap_hi=$(python3 -c "print($gap + 0.05)")

cat >"$VT_TMP/spec.json" <<JSON
{
  "scenario": "$VT_NAME",
  "captures": {"client1": "$VT_TMP/client1.pcap", "gw2": "$VT_TMP/gw2.pcap", "gw1": "$VT_TMP/gw1.pcap"},
  "save_findings": "$VT_TMP/findings.jsonl",
  "expect_exit": 0,
  "tolerance": 2.0,
  "require": [
    {"name": "failover", "kind": "vip.failover", "severity": ["info"],
     "ips": ["$VIP", "$NET.2", "$NET.3"], "macs": ["$MAC_GW1", "$MAC_GW2"], "names": ["CARP", "vhid 7"],
     "overlaps": [$t_failover, $t_taken],
     "details": {"protocol": "CARP", "group_id": $VHID, "takeover_gap_s": [$gap_lo, $gap_hi], "reason": "vanished", "implementation": "ucarp", "old_master.address": "$NET.2", "new_master.address": "$NET.3",
                 "new_master.advert_mac": "$CARP_MAC"},
     "evidence": [{"min": 2, "match": {"proto": "carp", "mac_src": "$CARP_MAC"}},
                  {"min": 1, "match": {"arp_spa": "$VIP", "arp_tpa": "$VIP", "arp_sha": "$MAC_GW2"}}]}
  ],
  "optional": [
    {"name": "moved", "kind": "neighbor.moved", "max_severity": "info",
     "ips": ["$VIP"], "macs": ["$MAC_GW1", "$MAC_GW2"], "overlaps": [$t_failover, $t_taken]}
  ],
  "allow": []
}
JSON
vt_analyze "$VT_TMP/spec.json"
vt_finish
