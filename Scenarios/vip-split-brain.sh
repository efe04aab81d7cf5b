#!/usr/bin/env bash
# vip.split_brain: the two keepalived nodes stop hearing each other. An nftables bridge rule in
# the switch drops VRRP (IP protocol 112) between gw1's and gw2's ports only, so the clients
# still see both nodes' adverts; gw2 (backup) misses gw1's adverts, becomes master after its
# Master_Down_Interval and claims the VIP with gratuitous ARP while gw1 stays master: both hold
# the VIP and both advertise. After ~7 s the rule goes away, gw2 hears the higher priority and
# backs off, gw1 announces itself again. Vantage must report a critical vip.split_brain naming
# both nodes, over the overlap, and which client sent the VIP's traffic to which node meanwhile:
# both ping the VIP; gw2's GARPs move client1 to gw2's MAC, client2 has pinned gw1's MAC for the
# VIP (a static entry) and stays with gw1.
#
# Topology (one quiet bridge): gw1 .2 (priority 150) · gw2 .3 (100) · client1 .30 · client2 .31
# in 10.41.3.0/24, VIP 10.41.3.1. Vantage points: client1 eth0, client2 eth0, gw1 eth0, gw2 "any".
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/viplib.sh"
vt_scenario vip-split-brain

NET=10.41.3
VIP=$NET.1
MAC_GW1=02:aa:41:03:00:02 MAC_GW2=02:aa:41:03:00:03
vt_switch_quiet
vt_host_quiet gw1 "$NET.2/24" "$MAC_GW1"
vt_host_quiet gw2 "$NET.3/24" "$MAC_GW2"
vt_host_quiet client1 "$NET.30/24" 02:aa:41:03:00:30
vt_host_quiet client2 "$NET.31/24" 02:aa:41:03:00:31
vt_capture_start client1 eth0 client1
vt_capture_start client2 eth0 client2
vt_capture_start gw1 eth0 gw1
vt_capture_start gw2 any gw2

vt_keepalived_pair "$VIP/24"
vt_exec client2 ip neigh replace "$VIP" lladdr "$MAC_GW1" dev eth0 nud permanent
vt_bg client1 "$VT_TMP/ping1.log" ping -i 0.2 -W 1 "$VIP"; ping1=$VT_LAST_PID
vt_bg client2 "$VT_TMP/ping2.log" ping -i 0.5 -W 1 "$VIP"; ping2=$VT_LAST_PID
sleep 1.5

t_fault=$(vt_now)
vt_log "dropping VRRP between gw1's and gw2's ports"
vt_nft_sw "table bridge vipsplit {
  chain forward {
    type filter hook forward priority 0; policy accept;
    iifname \"p-gw1\" oifname \"p-gw2\" ip protocol 112 counter drop
    iifname \"p-gw2\" oifname \"p-gw1\" ip protocol 112 counter drop
  }
}"
vt_verify "gw2 became master too ($VIP on both nodes)" vt_wait_for 10 vt_has_address gw2 "$VIP"
t_both=$(vt_now)
vt_verify "gw1 still holds $VIP" vt_has_address gw1 "$VIP"
sleep 6
vt_verify "gw1 and gw2 both still hold $VIP after 6 s" bash -c \
  "ip -n $(vt_ns gw1) -4 -o addr show dev eth0 | grep -q ' $VIP/' && ip -n $(vt_ns gw2) -4 -o addr show dev eth0 | grep -q ' $VIP/'"
t_heal=$(vt_now)
ip netns exec "$(vt_ns sw)" nft list table bridge vipsplit >&2
ip netns exec "$(vt_ns sw)" nft delete table bridge vipsplit
vt_log "VRRP between the nodes restored"
vt_verify "gw2 backed off (released $VIP)" vt_wait_for 10 bash -c "! ip -n $(vt_ns gw2) -4 -o addr show dev eth0 | grep -q ' $VIP/'"
t_healed=$(vt_now)
sleep 2
vt_stop "$ping1"; vt_stop "$ping2"
sleep 0.2
vt_capture_stop

vt_show client1 "arp or (ip proto 112 and ether src $MAC_GW2)"
vt_verify "client1 capture: adverts from both nodes during the fault" bash -c "
  [ \$(tcpdump -tt -nn -r $VT_TMP/client1.pcap 'ip proto 112 and ether src $MAC_GW1' 2>/dev/null | awk -v a=$t_both -v b=$t_heal '\$1 >= a && \$1 <= b' | wc -l) -ge 4 ] &&
  [ \$(tcpdump -tt -nn -r $VT_TMP/client1.pcap 'ip proto 112 and ether src $MAC_GW2' 2>/dev/null | awk -v a=$t_both -v b=$t_heal '\$1 >= a && \$1 <= b' | wc -l) -ge 4 ]"
vt_verify "gw1 capture: no advert from gw2 during the fault" bash -c "
  [ \$(tcpdump -tt -nn -r $VT_TMP/gw1.pcap 'ip proto 112 and ether src $MAC_GW2' 2>/dev/null | awk -v a=$t_fault -v b=$t_heal '\$1 >= a && \$1 <= b' | wc -l) -eq 0 ]"
vt_verify "client2 capture: echo requests to $VIP at gw1's MAC during the fault" bash -c "
  [ \$(tcpdump -tt -nn -r $VT_TMP/client2.pcap 'icmp[0] == 8 and dst host $VIP and ether dst $MAC_GW1' 2>/dev/null | awk -v a=$t_both -v b=$t_heal '\$1 >= a && \$1 <= b' | wc -l) -ge 5 ]"
vt_verify "client1 capture: GARPs for $VIP from gw2 during the fault" \
  vt_frames_since_at_least 1 client1 "$t_fault" "$(vip_garp_filter $VIP) and ether src $MAC_GW2"

cat >"$VT_TMP/spec.json" <<JSON
{
  "scenario": "$VT_NAME",
  "title": "VRRP split brain: adverts dropped between the two routers, both become master",
  "captures": {"client1": "$VT_TMP/client1.pcap", "client2": "$VT_TMP/client2.pcap", "gw1": "$VT_TMP/gw1.pcap", "gw2": "$VT_TMP/gw2.pcap"},
  "save_findings": "$VT_TMP/findings.jsonl",
  "expect_exit": 1,
  "tolerance": 2.0,
  "require": [
    {"name": "split-brain", "kind": "vip.split_brain", "severity": ["critical"],
     "ips": ["$VIP", "$NET.2", "$NET.3", "$NET.30", "$NET.31"], "macs": ["$MAC_GW1", "$MAC_GW2"],
     "text_any": ["meanwhile hosts sent"],
     "starts_in": [$t_fault, $t_both], "ends_in": [$t_heal, $t_healed],
     "evidence": [{"min": 1, "match": {"proto": "vrrp", "mac_src": "$MAC_GW1"}},
                  {"min": 1, "match": {"proto": "vrrp", "mac_src": "$MAC_GW2"}},
                  {"min": 1, "match": {"proto": "icmp", "ip_src": "$NET.30", "ip_dst": "$VIP", "mac_dst": "$MAC_GW2"}},
                  {"min": 1, "match": {"proto": "icmp", "ip_src": "$NET.31", "ip_dst": "$VIP", "mac_dst": "$MAC_GW1"}}]}
  ],
  "optional": [],
  "allow": []
}
JSON
vt_analyze "$VT_TMP/spec.json"
vt_finish
