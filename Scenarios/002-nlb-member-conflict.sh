#!/usr/bin/env bash
# Seed 002, first half: an NLB node misconfigured after a live migration. Two crafted Windows NLB
# unicast members (host 1 and 2 of cluster 10.40.2.100, nlb_peers.py nlb-member) run normally;
# then node 2 "comes back" from a migration with its own NIC MAC and the cluster IP bound to it
# (its kernel now answers ARP for 10.40.2.100 and for its dedicated IP .22 with the NIC MAC),
# while its NLB heartbeats go on. A client that resolves the cluster IP gets both answers.
#
# Topology (one bridge): client 10.40.2.5 · nlb1 (host 1, dedicated .21, no kernel address) ·
# nlb2 (host 2, dedicated .22; kernel addresses .22 and .100 from t_fault, NIC MAC N2).
# Vantage points: client eth0, nlb1 eth0.
source "$(dirname "$0")/lib.sh"
vt_scenario 002-nlb-member-conflict

source "$(dirname "$0")/nlblib.sh"
N2=02:15:5d:00:02:22

vt_switch_quiet
vt_host_quiet client "$CLIENT/24" "$MAC_C"
nlb_members
vt_capture_start client eth0 client
vt_capture_start nlb1 eth0 nlb1

vt_bg nlb1 "$VT_TMP/nlb1.log" python3 "$PEERS" nlb-member eth0 1 "$VIP" "$D1" --answer-icmp --seconds 20
vt_bg nlb2 "$VT_TMP/nlb2.log" python3 "$PEERS" nlb-member eth0 2 "$VIP" "$D2" --seconds 20
vt_wait_log 10 "$VT_TMP/nlb1.log" "member up" || vt_fail "nlb1 did not start: $(cat "$VT_TMP/nlb1.log")"
vt_wait_log 10 "$VT_TMP/nlb2.log" "member up" || vt_fail "nlb2 did not start: $(cat "$VT_TMP/nlb2.log")"
sleep 1.5

# Before: the client reaches the cluster through the cluster MAC.
vt_verify "before: client pings $VIP" vt_exec client ping -c 3 -i 0.3 -W 1 "$VIP"
vt_verify "before: client's entry for $VIP is the cluster MAC ($(vt_neigh client $VIP))" \
  vt_neigh_is client "$VIP" "$CLUSTER_MAC" "REACHABLE|STALE|DELAY"
sleep 2

# Fault: node 2 back from a migration with its NIC MAC and the cluster IP bound to it.
vt_exec nlb2 ip link set eth0 address "$N2"
vt_exec nlb2 ip addr add "$D2/24" dev eth0
vt_exec nlb2 ip addr add "$VIP/24" dev eth0
t_fault=$(vt_now)
vt_exec client arping -c 2 -w 3 -I eth0 "$D2" >"$VT_TMP/arping-d2.log" 2>&1 || true
vt_exec client arping -c 3 -w 4 -I eth0 "$VIP" >"$VT_TMP/arping-vip.log" 2>&1 || true
cat "$VT_TMP/arping-vip.log" >&2
vt_exec client ping -c 4 -i 0.3 -W 1 "$VIP" >"$VT_TMP/ping-after.log" 2>&1 || true
t_end=$(vt_now)
sleep 1.2
vt_capture_stop

vt_show client "arp and (arp[14:4] = 0x0a280264 or arp[14:4] = 0x0a280216)"
vt_verify "client capture: $VIP is-at $N2 (node 2's NIC) after the fault" \
  vt_frames_since_at_least 1 client "$t_fault" "arp[6:2] == 2 and ether src $N2 and arp[14:4] = 0x0a280264"
vt_verify "client capture: $VIP is-at $CLUSTER_MAC (node 1) after the fault too" \
  vt_frames_since_at_least 1 client "$t_fault" "arp[6:2] == 2 and ether src $MASK1 and arp[14:4] = 0x0a280264"
vt_verify "nlb1 capture: heartbeats from both members" \
  bash -c "[ \$(tcpdump -nn -r $VT_TMP/nlb1.pcap 'ether proto 0x886f and ether src $MASK2' 2>/dev/null | wc -l) -ge 5 ]"

cat >"$VT_TMP/spec.json" <<JSON
{
  "scenario": "$VT_NAME",
  "title": "Seed 002: NLB members misconfigured after a live migration: a member answers for the cluster IP with its own MAC",
  "captures": {"client": "$VT_TMP/client.pcap", "nlb1": "$VT_TMP/nlb1.pcap"},
  "save_findings": "$VT_TMP/findings.jsonl",
  "expect_exit": 1,
  "tolerance": 2.0,
  "require": [
    {"name": "conflict", "kind": "nlb.member_conflict", "severity": ["critical"], "ips": ["$VIP", "$D2"],
     "macs": ["$N2", "$CLUSTER_MAC"], "names": ["host 2"], "starts_in": [$t_fault, $t_end],
     "evidence": [{"vantage": "client", "min": 1, "match": {"arp_op": "reply", "arp_spa": "$VIP", "arp_sha": "$N2"}}]},
    {"name": "cluster", "kind": "nlb.cluster", "severity": ["info"], "ips": ["$VIP", "$D1", "$D2"],
     "macs": ["$CLUSTER_MAC"], "text_any": ["unicast"]}
  ]
}
JSON
vt_analyze "$VT_TMP/spec.json"
vt_finish
