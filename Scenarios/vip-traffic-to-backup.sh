#!/usr/bin/env bash
# vip.traffic_to_backup: a server whose neighbour entry for its gateway VIP points at the backup.
# A keepalived pair serves VIP .1 (gw1 master); the server's entry for the VIP is pinned to gw2's
# MAC (ip neigh replace ... nud permanent: a stale static entry, or a bad ARP proxy), so its
# pings and HTTP requests to the VIP reach gw2, which does not hold the VIP and drops them, while
# a client reaches the VIP through gw1. Vantage must report vip.traffic_to_backup naming the
# server (IP and MAC), gw2's MAC, the frame count and cadence, and the server's failed HTTP
# handshake to the VIP as tcp.handshake_failed caused by it; nothing about the client.
#
# Topology (one quiet bridge): gw1 .2 (priority 150) · gw2 .3 (100) · server .20 · client .30
# in 10.41.4.0/24, VIP 10.41.4.1 (HTTP on :80 on both nodes). gw2 is a silent backup from the
# start (keepalived backups send nothing), so Vantage knows it only as a MAC that is not the
# master's.
# Vantage points: server eth0 (Ethernet), gw2 eth0 (Ethernet), gw1 "any" (Linux cooked v2).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/viplib.sh"
vt_scenario vip-traffic-to-backup

NET=10.41.4
VIP=$NET.1
MAC_GW1=02:aa:41:04:00:02 MAC_GW2=02:aa:41:04:00:03 MAC_SRV=02:aa:41:04:00:20 MAC_CL=02:aa:41:04:00:30
vt_switch_quiet
vt_host_quiet gw1 "$NET.2/24" "$MAC_GW1"
vt_host_quiet gw2 "$NET.3/24" "$MAC_GW2"
vt_host_quiet server "$NET.20/24" "$MAC_SRV"
vt_host_quiet client "$NET.30/24" "$MAC_CL"
vt_capture_start server eth0 server
vt_capture_start gw2 eth0 gw2
vt_capture_start gw1 any gw1

for g in gw1 gw2; do vt_bg "$g" "$VT_TMP/http-$g.log" python3 -m http.server 80 --bind 0.0.0.0; done
vt_keepalived_pair "$VIP/24"

t_fault=$(vt_now)
vt_exec server ip neigh replace "$VIP" lladdr "$MAC_GW2" dev eth0 nud permanent
vt_verify "server's entry for $VIP is gw2's MAC, permanent ($(vt_neigh server $VIP))" vt_neigh_is server "$VIP" "$MAC_GW2" PERMANENT
vt_bg server "$VT_TMP/ping-server.log" ping -i 0.1 -W 1 "$VIP"; ping_srv=$VT_LAST_PID
vt_bg client "$VT_TMP/ping-client.log" ping -i 0.2 -W 1 "$VIP"; ping_cl=$VT_LAST_PID
vt_verify "server cannot fetch http://$VIP/ (its requests go to gw2)" bash -c "! ip netns exec $(vt_ns server) python3 $VT_ROOT/Scenarios/peers.py http-get http://$VIP/ --timeout 2"
vt_verify "client fetches http://$VIP/ (gw1)" vt_peers client http-get "http://$VIP/" --timeout 2
sleep 1
vt_stop "$ping_srv"; vt_stop "$ping_cl"
t_end=$(vt_now)
sleep 0.2
vt_capture_stop
vt_log "server ping: $(tail -n 2 "$VT_TMP/ping-server.log" | head -n 1); client ping: $(tail -n 2 "$VT_TMP/ping-client.log" | head -n 1)"

vt_show gw2 "dst host $VIP and ether src $MAC_SRV and tcp"
vt_verify "gw2 capture: >= 20 echo requests from the server to $VIP at gw2's MAC" \
  vt_frames_at_least 20 gw2 "icmp[0] == 8 and src host $NET.20 and dst host $VIP and ether dst $MAC_GW2"
vt_verify "gw2 capture: the server's SYNs to $VIP:80 at gw2's MAC" \
  vt_frames_at_least 2 gw2 "tcp[13] & 2 != 0 and src host $NET.20 and dst host $VIP and ether dst $MAC_GW2"
vt_verify "server capture: no echo reply from $VIP" vt_frames_none server "icmp[0] == 0 and src host $VIP"
vt_verify "server capture: no frame from the server to $VIP at gw1's MAC" vt_frames_none server "src host $NET.20 and dst host $VIP and ether dst $MAC_GW1"

cat >"$VT_TMP/spec.json" <<JSON
{
  "scenario": "$VT_NAME",
  "title": "A server whose entry for its gateway VIP points at the backup router",
  "captures": {"server": "$VT_TMP/server.pcap", "gw2": "$VT_TMP/gw2.pcap", "gw1": "$VT_TMP/gw1.pcap"},
  "save_findings": "$VT_TMP/findings.jsonl",
  "expect_exit": 1,
  "tolerance": 2.0,
  "require": [
    {"name": "to-backup", "kind": "vip.traffic_to_backup", "min_severity": "warning",
     "ips": ["$VIP", "$NET.20"], "macs": ["$MAC_GW2", "$MAC_SRV"], "names": ["$NET.20", "$MAC_GW2"],
     "starts_in": [$t_fault, $t_end], "ends_in": [$t_fault, $t_end],
     "details": {"destination_mac": "$MAC_GW2", "frames": [20, 1000]},
     "evidence": [{"min": 3, "match": {"ip_src": "$NET.20", "ip_dst": "$VIP", "mac_dst": "$MAC_GW2"}}]},
    {"name": "handshake", "kind": "tcp.handshake_failed", "min_severity": "warning", "caused_by": "to-backup",
     "ips": ["$VIP", "$NET.20"], "names": ["$MAC_GW2"],
     "evidence": [{"vantage": "server", "min": 1,
                   "match": {"ip_src": "$NET.20", "ip_dst": "$VIP", "mac_dst": "$MAC_GW2", "tcp_flags": "S"}}]}
  ],
  "optional": [],
  "allow": []
}
JSON
vt_analyze "$VT_TMP/spec.json"
vt_finish
