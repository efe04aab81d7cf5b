#!/usr/bin/env bash
# Control for seed 002: the same farm with both remedies applied. The load balancer's checks
# are HTTP/1.1 with "Host: www.example.test" (200), and the switch keeps the NLB cluster's
# traffic to the members' ports (an nftables bridge rule standing in for a static MAC table
# entry for 02:bf:... limited to those ports). Vantage must recognise the cluster (nlb.cluster,
# info) and report nothing at or above warning.
#
# Topology and vantage points as 002-nlb-host-header.sh: client .5 · lb .2 · web .10 · crafted
# NLB unicast members nlb1, nlb2 (host 1, 2) of cluster .100; captures at web, lb, nlb1 (eth0).
source "$(dirname "$0")/lib.sh"
vt_scenario 002-control-nlb-health

source "$(dirname "$0")/nlblib.sh"
nlb_farm
# Remedy 1: frames for the cluster MAC leave the switch only on the members' ports.
vt_nft_sw "table bridge vt002c {
  chain forward {
    type filter hook forward priority 0; policy accept;
    ether daddr $CLUSTER_MAC oifname != { \"p-nlb1\", \"p-nlb2\" } counter drop
  }
}"
nlb_farm_start

# Remedy 2: the checks name the Host.
vt_bg lb "$VT_TMP/check.log" python3 "$PEERS" check "$WEB" 80 --count 10 --interval 2 --host "$SITE"
check_pid=$VT_LAST_PID
vt_bg client "$VT_TMP/get.log" python3 "$PEERS" get "$WEB" 80 "$SITE" --at 0.7,3.1,7.9,12.4,16.2
get_pid=$VT_LAST_PID
vt_exec client ping -c 80 -i 0.25 -W 1 "$VIP" >"$VT_TMP/ping.log" 2>&1 || true
wait "$check_pid" "$get_pid" 2>/dev/null || true
sleep 1.2
vt_capture_stop
drops=$(ip netns exec "$(vt_ns sw)" nft list chain bridge vt002c forward | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')

vt_verify "client's pings to $VIP were answered" grep -q " 0% packet loss\| [1-9]% packet loss" "$VT_TMP/ping.log"
vt_verify "the switch kept the cluster's frames off the other ports ($drops dropped)" test "${drops:-0}" -ge 40
vt_verify "web capture: no client frame to $CLUSTER_MAC" vt_frames_none web "ether dst $CLUSTER_MAC and ip"
vt_verify "nlb1 capture: client frames to $CLUSTER_MAC" vt_frames_at_least 40 nlb1 "ether dst $CLUSTER_MAC and src host $CLIENT"
vt_verify "checker got 200 for every check with Host" bash -c "[ \$(grep -c 'HTTP/1.0 200' $VT_TMP/check.log) -ge 10 ]"
vt_verify "browser got 200 with Host $SITE" bash -c "[ \$(grep -c 'HTTP/1.0 200' $VT_TMP/get.log) -ge 5 ]"

cat >"$VT_TMP/spec.json" <<JSON
{
  "scenario": "$VT_NAME",
  "title": "Control: a healthy NLB cluster and health checks that carry the Host header",
  "captures": {"web": "$VT_TMP/web.pcap", "lb": "$VT_TMP/lb.pcap", "nlb1": "$VT_TMP/nlb1.pcap"},
  "save_findings": "$VT_TMP/findings.jsonl",
  "expect_exit": 0,
  "tolerance": 2.0,
  "require": [
    {"name": "cluster", "kind": "nlb.cluster", "severity": ["info"], "ips": ["$VIP", "$D1", "$D2"],
     "macs": ["$CLUSTER_MAC", "$MASK1", "$MASK2"], "text_any": ["unicast"]}
  ]
}
JSON
vt_analyze "$VT_TMP/spec.json"
vt_finish
