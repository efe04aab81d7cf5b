#!/usr/bin/env bash
# Seed 000 (the gateway's entry for a server sits <incomplete>): the switch loses the server's
# ARP replies, only those. The gateway's requests reach the server, the server answers, and no
# answer ever reaches the gateway, whose entry goes INCOMPLETE then FAILED. A second server on
# the same switch keeps answering.
#
# Topology (one bridge "sw"): gw 10.40.0.1 (MAC G) · server 10.40.0.20 (MAC S) · web2 10.40.0.21.
# Fault at t_fault: nftables in the switch's bridge family drops ARP replies coming in on the
# server's port from S; the gateway's entries are flushed so it must ARP again.
# Vantage points: gw eth0 (Ethernet), server "any" (Linux cooked v2).
source "$(dirname "$0")/lib.sh"
vt_scenario 000-arp-replies-lost

NET=10.40.0
GW=$NET.1 SRV=$NET.20 WEB2=$NET.21
MAC_G=02:aa:00:00:00:01 MAC_S=02:aa:00:00:00:20 MAC_W=02:aa:00:00:00:21

vt_switch_quiet
vt_host_quiet gw "$GW/24" "$MAC_G"
vt_host_quiet server "$SRV/24" "$MAC_S"
vt_host_quiet web2 "$WEB2/24" "$MAC_W"
vt_capture_start gw eth0 gateway
vt_capture_start server any server

# Before: the servers reach the gateway (so their entries for it are confirmed REACHABLE and
# they send no ARP probe of their own during the fault), and the gateway reaches both servers.
vt_verify "before: $SRV and $WEB2 ping the gateway" \
  bash -c "ip netns exec $(vt_ns server) ping -c 1 -W 1 $GW >/dev/null && ip netns exec $(vt_ns web2) ping -c 1 -W 1 $GW >/dev/null"
vt_verify "before: gw pings $SRV and $WEB2" \
  vt_exec gw bash -c "ping -c 2 -i 0.2 -W 1 $SRV >/dev/null && ping -c 2 -i 0.2 -W 1 $WEB2 >/dev/null"
sleep 0.5

# Fault: the switch drops the server's ARP replies; the gateway's entries are gone (expired).
vt_nft_sw "table bridge vt000 {
  chain forward {
    type filter hook forward priority 0; policy accept;
    iifname \"p-server\" ether saddr $MAC_S ether type arp arp operation reply counter drop
  }
}"
vt_exec gw ip neigh flush dev eth0
t_fault=$(vt_now)
vt_exec gw ping -c 4 -i 1 -W 1 "$SRV" >"$VT_TMP/ping-server.log" 2>&1 && vt_flunk "gw could still ping $SRV"
vt_verify "gw's entry for $SRV is unresolved ($(vt_neigh gw $SRV))" vt_neigh_is gw "$SRV" - "INCOMPLETE|FAILED"
vt_verify "gw still resolves and pings $WEB2" vt_exec gw ping -c 2 -i 0.2 -W 1 "$WEB2"
t_end=$(vt_now)
sleep 0.2
vt_capture_stop
drops=$(ip netns exec "$(vt_ns sw)" nft list chain bridge vt000 forward | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')

vt_show gateway arp
vt_show server arp
vt_verify "switch dropped the server's ARP replies ($drops)" test "${drops:-0}" -ge 3
vt_verify "gw capture: >= 3 requests for $SRV after the fault" \
  vt_frames_since_at_least 3 gateway "$t_fault" "arp[6:2] == 1 and arp[24:4] == $(printf '0x%02x%02x%02x%02x' ${SRV//./ })"
vt_verify "gw capture: no reply from $SRV after the fault" \
  vt_frames_since_none gateway "$t_fault" "arp[6:2] == 2 and ether src $MAC_S"
vt_verify "server capture: >= 3 requests from $GW in and >= 3 replies out after the fault" \
  bash -c "[ \$(tcpdump -tt -nn -r $VT_TMP/server.pcap 'inbound and arp[6:2] == 1 and arp[14:4] == $(printf '0x%02x%02x%02x%02x' ${GW//./ })' 2>/dev/null | awk -v t=$t_fault '\$1 >= t' | wc -l) -ge 3 ] &&
           [ \$(tcpdump -tt -nn -r $VT_TMP/server.pcap 'outbound and arp[6:2] == 2' 2>/dev/null | awk -v t=$t_fault '\$1 >= t' | wc -l) -ge 3 ]"

cat >"$VT_TMP/spec.json" <<JSON
{
  "scenario": "$VT_NAME",
  "title": "Seed 000: an HA gateway's ARP entry for a server stuck <incomplete>: the server's ARP replies are lost in the switch",
  "captures": {"gateway": "$VT_TMP/gateway.pcap", "server": "$VT_TMP/server.pcap"},
  "save_findings": "$VT_TMP/findings.jsonl",
  "expect_exit": 1,
  "tolerance": 2.0,
  "require": [
    {"name": "unanswered", "kind": "arp.unanswered", "min_severity": "warning",
     "ips": ["$SRV"], "names": ["$GW", "$SRV", "$MAC_G", "gateway", "server"],
     "starts_in": [$t_fault, $t_end], "overlaps": [$t_fault, $t_end],
     "vantages": ["gateway", "server"],
     "text_any": ["reply_lost", "replies are lost", "replies were lost", "reply was lost", "replies lost"],
     "evidence": [
       {"vantage": "gateway", "min": 2, "match": {"arp_op": "request", "arp_spa": "$GW", "arp_tpa": "$SRV"}},
       {"vantage": "server", "min": 1, "match": {"arp_op": "reply", "arp_spa": "$SRV", "arp_tpa": "$GW", "direction": "out"}}
     ]}
  ]
}
JSON
vt_analyze "$VT_TMP/spec.json"
vt_finish
