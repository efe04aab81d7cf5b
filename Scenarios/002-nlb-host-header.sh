#!/usr/bin/env bash
# Seed 002, both halves. (1) A Windows NLB cluster in unicast mode: Linux has no NLB, so two
# members are crafted from protocols.md §6 (nlb_peers.py nlb-member: heartbeats 0x886F from the
# masked sources 02:h:IP to the cluster MAC 02:bf:IP, ARP answers "cluster IP is-at 02:bf:..."
# from the masked source; member 1 answers pings to the cluster IP). No frame carries 02:bf:... as
# its source, so the bridge never learns it and floods the client's frames for the cluster to
# every port, the web server's and the load balancer's included. (2) A load balancer checks the
# web server every 2 s with "HEAD / HTTP/1.0" and no Host header; the server (an IIS-style site
# bound to www.example.test) answers 404, while the browser's requests with the Host get 200.
#
# Topology (one bridge): client 10.40.2.5 · lb 10.40.2.2 · web 10.40.2.10 · nlb1, nlb2 (members
# host 1 and 2 of cluster 10.40.2.100, dedicated IPs .21/.22; no kernel address: the crafted
# member speaks for them).
# Vantage points: web eth0 (Ethernet: a bystander of the cluster), lb eth0, nlb1 eth0.
source "$(dirname "$0")/lib.sh"
vt_scenario 002-nlb-host-header

source "$(dirname "$0")/nlblib.sh"
nlb_farm
nlb_farm_start

t_start=$(vt_now)
# The fault runs from the start: checks without Host, and the client's traffic to the cluster.
vt_bg lb "$VT_TMP/check.log" python3 "$PEERS" check "$WEB" 80 --count 10 --interval 2
check_pid=$VT_LAST_PID
vt_bg client "$VT_TMP/get.log" python3 "$PEERS" get "$WEB" 80 "$SITE" --at 0.7,3.1,7.9,12.4,16.2
get_pid=$VT_LAST_PID
vt_exec client ping -c 80 -i 0.25 -W 1 "$VIP" >"$VT_TMP/ping.log" 2>&1 || true
wait "$check_pid" "$get_pid" 2>/dev/null || true
t_end=$(vt_now)
sleep 1.2
vt_capture_stop
cat "$VT_TMP/check.log" "$VT_TMP/get.log" >&2
tail -n 3 "$VT_TMP/ping.log" >&2

# The fault really happened.
vt_verify "client resolved $VIP to the cluster MAC ($(vt_neigh client $VIP))" vt_neigh_is client "$VIP" "$CLUSTER_MAC" "REACHABLE|STALE|DELAY"
vt_verify "client's pings to $VIP were answered (by member 1)" grep -q " 0% packet loss\| [1-9]% packet loss" "$VT_TMP/ping.log"
vt_verify "web capture: >= 40 of the client's frames to $CLUSTER_MAC were flooded to it" \
  vt_frames_at_least 40 web "ether dst $CLUSTER_MAC and src host $CLIENT"
vt_verify "web capture: no unicast frame from a member" vt_frames_none web "ether src $MASK1 and not ether dst $CLUSTER_MAC"
vt_verify "nlb1 capture: heartbeats from both members" \
  bash -c "[ \$(tcpdump -nn -r $VT_TMP/nlb1.pcap 'ether proto 0x886f and ether src $MASK1' 2>/dev/null | wc -l) -ge 10 ] &&
           [ \$(tcpdump -nn -r $VT_TMP/nlb1.pcap 'ether proto 0x886f and ether src $MASK2' 2>/dev/null | wc -l) -ge 10 ]"
vt_verify "checker got 404 for every check without Host" bash -c "[ \$(grep -c 'HTTP/1.0 404' $VT_TMP/check.log) -ge 10 ]"
vt_verify "browser got 200 with Host $SITE" bash -c "[ \$(grep -c 'HTTP/1.0 200' $VT_TMP/get.log) -ge 5 ]"
vt_verify "web capture: >= 10 HEAD requests from $LB" \
  vt_frames_at_least 10 web "src host $LB and tcp dst port 80 and tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x48454144"

cat >"$VT_TMP/spec.json" <<JSON
{
  "scenario": "$VT_NAME",
  "title": "Seed 002: a unicast Windows NLB cluster flooded to bystanders, and a load balancer whose HTTP/1.0 health check sends no Host header",
  "captures": {"web": "$VT_TMP/web.pcap", "lb": "$VT_TMP/lb.pcap", "nlb1": "$VT_TMP/nlb1.pcap"},
  "save_findings": "$VT_TMP/findings.jsonl",
  "expect_exit": 1,
  "tolerance": 2.0,
  "require": [
    {"name": "host_header", "kind": "health_check.host_header", "severity": ["warning"],
     "ips": ["$LB", "$WEB"], "names": ["$SITE", "404"], "starts_in": [$t_start, $t_end],
     "evidence": [{"min": 1, "match": {"ip_src": "$LB", "ip_dst": "$WEB", "proto": "tcp"}},
                  {"min": 1, "match": {"ip_src": "$WEB", "ip_dst": "$CLIENT", "proto": "tcp"}}]},
    {"name": "cluster", "kind": "nlb.cluster", "severity": ["info"], "ips": ["$VIP", "$D1", "$D2"],
     "macs": ["$CLUSTER_MAC", "$MASK1", "$MASK2"], "text_any": ["unicast"]},
    {"name": "flooding", "kind": "nlb.unicast_flooding", "severity": ["warning"], "ips": ["$VIP", "$CLIENT"],
     "macs": ["$CLUSTER_MAC"], "vantages": ["web"], "text_any": ["frames/s"],
     "evidence": [{"vantage": "web", "min": 3, "match": {"mac_dst": "$CLUSTER_MAC", "ip_src": "$CLIENT"}}]}
  ],
  "allow": [
    {"name": "failing", "kind": "health_check.failing", "ips": ["$LB", "$WEB"], "caused_by": "host_header"}
  ]
}
JSON
vt_analyze "$VT_TMP/spec.json"
vt_finish
