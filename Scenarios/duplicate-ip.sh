#!/usr/bin/env bash
# Duplicate IP: two hosts configured with the same address. A third host ARPs for it and both
# answer every request; both also send their own traffic from that address.
#
# Topology (one bridge "sw"): asker 10.40.10.10 · h1 10.40.10.30 (MAC D1) · h2 (MAC D2, no
# address at first), which is given 10.40.10.30 as well at t_fault (no announcement:
# arp_notify=0).
# Vantage points: asker eth0 (Ethernet), h2 "any" (Linux cooked v2).
source "$(dirname "$0")/lib.sh"
vt_scenario duplicate-ip

NET=10.40.10
ASKER=$NET.10 DUP=$NET.30
MAC_Q=02:aa:10:00:00:10 MAC_D1=02:aa:10:00:00:31 MAC_D2=02:aa:10:00:00:32

vt_switch_quiet
vt_host_quiet asker "$ASKER/24" "$MAC_Q"
vt_host_quiet h1 "$DUP/24" "$MAC_D1"
vt_host_quiet h2 "" "$MAC_D2"
vt_capture_start asker eth0 asker
vt_capture_start h2 any h2

# Before: h1 alone owns .30 (h2 has no address yet).
vt_verify "before: asker pings $DUP (h1)" vt_exec asker ping -c 2 -i 0.2 -W 1 "$DUP"
sleep 0.3

# Fault: h2 is (mis)configured with h1's address too.
t_fault=$(vt_now)
vt_exec h2 ip addr add "$DUP/24" dev eth0
vt_exec asker arping -c 3 -i eth0 "$DUP" >"$VT_TMP/arping.log" 2>&1 || true
vt_exec h1 ping -c 3 -i 0.3 -W 1 "$ASKER" >"$VT_TMP/h1-ping.log" 2>&1 || true
vt_exec h2 ping -c 3 -i 0.3 -W 1 "$ASKER" >"$VT_TMP/h2-ping.log" 2>&1 || true
vt_exec asker ip neigh flush dev eth0
vt_exec asker ping -c 3 -i 0.3 -W 1 "$DUP" >"$VT_TMP/asker-ping.log" 2>&1 || true
t_end=$(vt_now)
sleep 0.2
vt_capture_stop

vt_show asker "arp"
vt_verify "arping got answers from both $MAC_D1 and $MAC_D2" \
  bash -c "grep -qi 'from $MAC_D1' $VT_TMP/arping.log && grep -qi 'from $MAC_D2' $VT_TMP/arping.log"
ip2hex() { printf '0x%02x%02x%02x%02x' ${1//./ }; }
vt_verify "asker capture: replies for $DUP from both MACs after the fault" \
  bash -c "[ \$(tcpdump -tt -nn -r $VT_TMP/asker.pcap 'arp[6:2] == 2 and arp[14:4] == $(ip2hex $DUP) and ether src $MAC_D1' 2>/dev/null | awk -v t=$t_fault '\$1 >= t' | wc -l) -ge 3 ] &&
           [ \$(tcpdump -tt -nn -r $VT_TMP/asker.pcap 'arp[6:2] == 2 and arp[14:4] == $(ip2hex $DUP) and ether src $MAC_D2' 2>/dev/null | awk -v t=$t_fault '\$1 >= t' | wc -l) -ge 3 ]"
vt_verify "asker capture: IPv4 traffic from $DUP with both MACs" \
  bash -c "[ \$(tcpdump -nn -r $VT_TMP/asker.pcap 'ip src $DUP and ether src $MAC_D1' 2>/dev/null | wc -l) -ge 1 ] &&
           [ \$(tcpdump -nn -r $VT_TMP/asker.pcap 'ip src $DUP and ether src $MAC_D2' 2>/dev/null | wc -l) -ge 1 ]"
vt_verify "h2 capture: h2 answered ARP for $DUP" vt_frames_at_least 3 h2 "outbound and arp[6:2] == 2 and arp[14:4] == $(ip2hex $DUP)"

cat >"$VT_TMP/spec.json" <<JSON
{
  "scenario": "$VT_NAME",
  "title": "Two hosts configured with one IP address, both answering ARP",
  "captures": {"asker": "$VT_TMP/asker.pcap", "h2": "$VT_TMP/h2.pcap"},
  "save_findings": "$VT_TMP/findings.jsonl",
  "expect_exit": 1,
  "tolerance": 2.0,
  "require": [
    {"name": "dup", "kind": "arp.duplicate_ip", "severity": ["critical"],
     "ips": ["$DUP"], "macs": ["$MAC_D1", "$MAC_D2"],
     "starts_in": [$t_fault, $t_end], "overlaps": [$t_fault, $t_end],
     "evidence": [
       {"min": 1, "match": {"arp_op": "reply", "arp_spa": "$DUP", "arp_sha": "$MAC_D1"}},
       {"min": 1, "match": {"arp_op": "reply", "arp_spa": "$DUP", "arp_sha": "$MAC_D2"}}
     ]}
  ],
  "allow": [
    {"kind": "arp.flip_flop", "ips": ["$DUP"], "caused_by": "dup"},
    {"kind": "neighbor.moved", "ips": ["$DUP"], "caused_by": "dup"},
    {"kind": "neighbor.stale_after_move", "ips": ["$DUP"], "caused_by": "dup"}
  ]
}
JSON
vt_analyze "$VT_TMP/spec.json"
vt_finish
