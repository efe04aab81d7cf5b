#!/usr/bin/env bash
# Helpers for the 002-* scenarios (sourced after lib.sh): the addresses of one crafted Windows NLB
# unicast cluster (protocols.md §6: cluster MAC 02:bf:IP, members send from 02:HOST:IP) and the
# hosts around it. (No dash in the name: run-all.sh only runs NAME-NAME.sh scripts.)

NET=10.40.2
CLIENT=$NET.5 LB=$NET.2 WEB=$NET.10 VIP=$NET.100 D1=$NET.21 D2=$NET.22
MAC_C=02:aa:00:00:02:05 MAC_L=02:aa:00:00:02:02 MAC_W=02:aa:00:00:02:10
CLUSTER_MAC=02:bf:0a:28:02:64 MASK1=02:01:0a:28:02:64 MASK2=02:02:0a:28:02:64
SITE=www.example.test
PEERS="$VT_ROOT/Scenarios/nlb_peers.py"

# nlb_members: hosts nlb1 and nlb2 for the crafted members 1 and 2 (no kernel address: the
# crafted member speaks for them; promiscuous, as an NLB NIC receives the cluster MAC).
nlb_members() {
  vt_host_quiet nlb1 "" "$MASK1"
  vt_host_quiet nlb2 "" "$MASK2"
  local member
  for member in nlb1 nlb2; do vt_exec "$member" ip link set eth0 promisc on; done
}

# nlb_farm: the switch, the client, the load balancer (lb, the health checker), the web server
# and the two members.
nlb_farm() {
  vt_switch_quiet
  vt_host_quiet client "$CLIENT/24" "$MAC_C"
  vt_host_quiet lb "$LB/24" "$MAC_L"
  vt_host_quiet web "$WEB/24" "$MAC_W"
  nlb_members
}

# nlb_farm_start: captures at web, lb and nlb1 (eth0), the web site (answers only for $SITE),
# both members for 40 s (member 1 answers pings to the cluster IP); waits until all are up.
nlb_farm_start() {
  vt_capture_start web eth0 web
  vt_capture_start lb eth0 lb
  vt_capture_start nlb1 eth0 nlb1
  vt_bg web "$VT_TMP/web.log" python3 "$PEERS" vhost-server "$WEB" 80 "$SITE"
  vt_wait_log 10 "$VT_TMP/web.log" listening || vt_fail "web server did not start: $(cat "$VT_TMP/web.log")"
  vt_bg nlb1 "$VT_TMP/nlb1.log" python3 "$PEERS" nlb-member eth0 1 "$VIP" "$D1" --answer-icmp --seconds 40
  vt_bg nlb2 "$VT_TMP/nlb2.log" python3 "$PEERS" nlb-member eth0 2 "$VIP" "$D2" --seconds 40
  vt_wait_log 10 "$VT_TMP/nlb1.log" "member up" || vt_fail "nlb1 did not start: $(cat "$VT_TMP/nlb1.log")"
  vt_wait_log 10 "$VT_TMP/nlb2.log" "member up" || vt_fail "nlb2 did not start: $(cat "$VT_TMP/nlb2.log")"
  sleep 1.5
}
