#!/usr/bin/env bash
# vip.failover_without_garp: a planned keepalived failover whose gratuitous ARPs never reach the
# hosts. An nftables bridge rule in the switch drops the new master's GARPs for the VIP; gw1
# resigns (SIGTERM: priority-0 advert, VIP removed); gw2 takes over and announces into the void.
# client1 keeps pinging the VIP at gw1's MAC, where nothing answers any more; client2 is idle.
# Vantage must report vip.failover_without_garp naming client1 (the host that kept the old MAC)
# and saying the GARPs were captured at gw2 but not at client1 (lost on the way), next to the
# info vip.failover.
#
# Topology (one quiet bridge): gw1 .2 (priority 150) · gw2 .3 (100) · client1 .30 · client2 .31
# in 10.41.2.0/24, VIP 10.41.2.1. Vantage points: client1 eth0, gw2 "any", gw1 eth0.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/viplib.sh"
vt_scenario vip-garp-dropped

NET=10.41.2
VIP=$NET.1
MAC_GW1=02:aa:41:02:00:02 MAC_GW2=02:aa:41:02:00:03 MAC_C1=02:aa:41:02:00:30
vt_switch_quiet
vt_host_quiet gw1 "$NET.2/24" "$MAC_GW1"
vt_host_quiet gw2 "$NET.3/24" "$MAC_GW2"
vt_host_quiet client1 "$NET.30/24" "$MAC_C1"
vt_host_quiet client2 "$NET.31/24" 02:aa:41:02:00:31
vt_capture_start client1 eth0 client1
vt_capture_start gw2 any gw2
vt_capture_start gw1 eth0 gw1

vt_keepalived_pair "$VIP/24"
ka1=$VT_KEEPALIVED_GW1

vt_bg client1 "$VT_TMP/ping1.log" ping -i 0.2 -W 1 "$VIP"; ping1=$VT_LAST_PID
vt_exec client2 ping -c 2 -i 0.2 -W 1 "$VIP" >&2
sleep 1.5
vt_verify "before: client1's entry for $VIP is gw1 ($(vt_neigh client1 $VIP))" \
  vt_neigh_is client1 "$VIP" "$MAC_GW1" "REACHABLE|STALE|DELAY|PROBE"

vt_nft_sw "table bridge vipgarp {
  chain forward {
    type filter hook forward priority 0; policy accept;
    ether saddr $MAC_GW2 ether type arp arp operation request arp saddr ip $VIP arp daddr ip $VIP counter drop
  }
}"
t_failover=$(vt_now)
vt_log "stopping gw1's keepalived (pid $ka1); gw2's GARPs are dropped on the bridge"
vt_stop "$ka1"
vt_verify "gw2 took over $VIP" vt_wait_for 10 vt_has_address gw2 "$VIP"
t_taken=$(vt_now)
sleep 9     # client1 keeps sending to gw1's MAC well past the 6 s convergence window
vt_verify "after: client1's entry for $VIP is still gw1 ($(vt_neigh client1 $VIP))" \
  vt_neigh_is client1 "$VIP" "$MAC_GW1" "REACHABLE|STALE|DELAY|PROBE"
vt_stop "$ping1"
t_end=$(vt_now)
sleep 0.2
vt_capture_stop

drops=$(ip netns exec "$(vt_ns sw)" nft list chain bridge vipgarp forward | awk '/counter/ { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }')
vt_log "nft dropped $drops GARP(s)"
vt_show client1 "arp or (ip proto 112 and ip[22] == 0)"
vt_verify "nft dropped >= 5 of gw2's GARPs ($drops)" test "${drops:-0}" -ge 5
vt_verify "gw2 capture: gw2 sent >= 5 GARPs for $VIP" vt_frames_since_at_least 5 gw2 "$t_failover" "outbound and $(vip_garp_filter $VIP)"
vt_verify "client1 capture: no GARP for $VIP from gw2" vt_frames_none client1 "$(vip_garp_filter $VIP) and ether src $MAC_GW2"
vt_verify "client1 capture: gw1's priority-0 advert" vt_frames_at_least 1 client1 "ip proto 112 and ip[22] == 0 and ether src $MAC_GW1"
late=$(python3 -c "print($t_taken + 6.5)")
vt_verify "client1 capture: echo requests to $VIP at gw1's MAC > 6.5 s after the takeover, no reply" bash -c "
  [ \$(tcpdump -tt -nn -r $VT_TMP/client1.pcap 'icmp[0] == 8 and dst host $VIP and ether dst $MAC_GW1' 2>/dev/null | awk -v t=$late '\$1 >= t' | wc -l) -ge 5 ] &&
  [ \$(tcpdump -tt -nn -r $VT_TMP/client1.pcap 'icmp[0] == 0 and src host $VIP' 2>/dev/null | awk -v t=$t_taken '\$1 >= t' | wc -l) -eq 0 ]"

cat >"$VT_TMP/spec.json" <<JSON
{
  "scenario": "$VT_NAME",
  "title": "A keepalived failover whose gratuitous ARPs are lost: a client keeps the old master's MAC",
  "captures": {"client1": "$VT_TMP/client1.pcap", "gw2": "$VT_TMP/gw2.pcap", "gw1": "$VT_TMP/gw1.pcap"},
  "save_findings": "$VT_TMP/findings.jsonl",
  "expect_exit": 1,
  "tolerance": 2.0,
  "require": [
    {"name": "failover", "kind": "vip.failover", "severity": ["info"],
     "ips": ["$VIP", "$NET.2", "$NET.3"], "macs": ["$MAC_GW1", "$MAC_GW2"], "overlaps": [$t_failover, $t_taken],
     "details": {"reason": "resigned"}},
    {"name": "no-garp", "kind": "vip.failover_without_garp", "min_severity": "warning",
     "ips": ["$VIP", "$NET.30"], "macs": ["$MAC_GW1"], "names": ["$NET.30"], "overlaps": [$t_taken, $t_end],
     "text_any": ["captured at gw2 but not at client1"],
     "evidence": [{"min": 3, "vantage": "client1",
                   "match": {"proto": "icmp", "ip_src": "$NET.30", "ip_dst": "$VIP", "mac_dst": "$MAC_GW1"}}]}
  ],
  "optional": [],
  "allow": []
}
JSON
vt_analyze "$VT_TMP/spec.json"
vt_finish
