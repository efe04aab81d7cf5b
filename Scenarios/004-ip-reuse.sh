#!/usr/bin/env bash
# Seed 004 (cloud IP reuse): a server talks TCP to a client at .20 (MAC A); that client goes
# away and a new host takes .20 with MAC B without any gratuitous ARP (arp_notify=0), and no
# ARP of it ever reaches the server (its entry for the server is pinned, as a cloud's ARP proxy
# would answer for it; any ARP from .20 reaching the server would update the server's entry).
# The server's neighbour entry for .20 still says A, so its SYN-ACKs to the new host's SYNs go to
# A and the handshake fails.
#
# Topology (one bridge "sw"): server 10.40.4.5 (MAC S) · old 10.40.4.20 (MAC A) · new 10.40.4.20
# (MAC B, plugged in after old's link went down). Fault: old's eth0 down at t_gone (a static
# FDB entry keeps frames to A from flooding to other ports, as when an instance is gone).
# Vantage points: server eth0 (Ethernet), new "any" (Linux cooked v2).
#
# Variants (VT_004_VARIANT; 004-ip-reuse-gateway-arp.sh sets it):
#   (none)       the new host sends no ARP at all: the move shows only in the data plane (the
#                SYN's Ethernet source at the server, the outgoing SYN at the new host).
#   gateway-arp  as in a cloud VPC: the new host resolves its gateway gw 10.40.4.1 at boot (a
#                real ARP exchange, seen at the new host's vantage), and the fabric does not
#                carry its ARP to the server (nftables bridge rule p-new -> p-server).
source "$(dirname "$0")/lib.sh"
VARIANT=${VT_004_VARIANT:-}
if [ "$VARIANT" = gateway-arp ]; then
  TITLE="Seed 004 (cloud variant): the new instance ARPs only for its gateway; the server still holds the old MAC"
else
  TITLE="Seed 004: a new instance reuses an IP without announcing it; the server keeps the old MAC and sends its SYN-ACKs there"
fi
vt_scenario "004-ip-reuse${VARIANT:+-$VARIANT}"

NET=10.40.4
SRV=$NET.5 REUSED=$NET.20 PORT=6379 NEWPORT=30404
MAC_S=02:aa:04:00:00:05 MAC_A=02:aa:04:00:00:20 MAC_B=02:aa:04:00:01:20 MAC_G=02:aa:04:00:00:01

vt_switch_quiet
vt_host_quiet server "$SRV/24" "$MAC_S"
vt_host_quiet old "$REUSED/24" "$MAC_A"
[ "$VARIANT" != gateway-arp ] || vt_host_quiet gw "$NET.1/24" "$MAC_G"
vt_capture_start server eth0 server

vt_bg server "$VT_TMP/server.log" python3 "$VT_ROOT/Scenarios/peers.py" tcp-server "$SRV" "$PORT"
vt_wait_log 10 "$VT_TMP/server.log" listening || vt_fail "the TCP server did not start"

# Before: the old client at .20 (MAC A) uses the server (three short sessions, closed cleanly).
for _ in 1 2 3; do
  vt_peers old tcp-client "$SRV" "$PORT" --count 3 --retry-for 5 >/dev/null
  sleep 0.3
done
vt_verify "before: server's entry for $REUSED is $MAC_A ($(vt_neigh server $REUSED))" \
  vt_neigh_is server "$REUSED" "$MAC_A" "REACHABLE|STALE|DELAY"

# Fault: the old client disappears (link down); a new host takes .20 with MAC B, unannounced.
bridge -n "$(vt_ns sw)" fdb replace "$MAC_A" dev p-old master static
t_gone=$(vt_now)
vt_exec old ip link set eth0 down
vt_verify "old client's link is down" vt_wait_for 5 bash -c "ip -n $(vt_ns sw) link show p-old | grep -q NO-CARRIER"
if [ "$VARIANT" = gateway-arp ]; then
  vt_nft_sw "table bridge vt004 {
    chain forward {
      type filter hook forward priority 0; policy accept;
      iifname \"p-new\" oifname \"p-server\" ether type arp counter drop
    }
  }"
fi
vt_host_quiet new "$REUSED/24" "$MAC_B"
vt_exec new ip neigh replace "$SRV" lladdr "$MAC_S" dev eth0 nud permanent
vt_capture_start new any newclient
if [ "$VARIANT" = gateway-arp ]; then
  vt_verify "new host resolves and pings its gateway $NET.1" vt_exec new ping -c 1 -W 2 "$NET.1"
  vt_verify "the fabric kept the new host's ARP from the server" \
    bash -c "ip netns exec $(vt_ns sw) nft list chain bridge vt004 forward | grep -q 'counter packets [1-9]'"
fi
vt_verify "before the SYN: server's entry for $REUSED still $MAC_A ($(vt_neigh server $REUSED))" \
  vt_neigh_is server "$REUSED" "$MAC_A" "REACHABLE|STALE|DELAY"
# Refresh it as the old client's last ACK would have (REACHABLE for >= 15 s from now), so that
# on a slow machine no DELAY->PROBE cycle can start inside the window and heal the entry early.
vt_exec server ip neigh replace "$REUSED" lladdr "$MAC_A" dev eth0 nud reachable

t_connect=$(vt_now)
rc=0; vt_peers new tcp-client "$SRV" "$PORT" --timeout 3.5 --source-port "$NEWPORT" >"$VT_TMP/new-client.log" || rc=$?
t_failed=$(vt_now)
vt_verify "new host's connect to $SRV:$PORT timed out (exit $rc: $(cat "$VT_TMP/new-client.log"))" test "$rc" = 10
vt_verify "after: server's entry for $REUSED still $MAC_A ($(vt_neigh server $REUSED))" \
  vt_neigh_is server "$REUSED" "$MAC_A" "REACHABLE|STALE|DELAY|PROBE"
sleep 0.2
vt_capture_stop

SYNACK='tcp[tcpflags] & (tcp-syn|tcp-ack) == (tcp-syn|tcp-ack)'
vt_show server "tcp port $NEWPORT"
vt_verify "server capture: SYN from $REUSED with MAC $MAC_B" \
  vt_frames_at_least 1 server "src host $REUSED and ether src $MAC_B and tcp[tcpflags] == tcp-syn"
vt_verify "server capture: >= 2 SYN-ACKs from $SRV to the old MAC $MAC_A for the new host's SYNs" \
  vt_frames_at_least 2 server "src host $SRV and dst port $NEWPORT and ether dst $MAC_A and $SYNACK"
vt_verify "new host capture: SYNs out, no SYN-ACK in" \
  bash -c "[ \$(tcpdump -nn -r $VT_TMP/newclient.pcap 'tcp[tcpflags] == tcp-syn' 2>/dev/null | wc -l) -ge 2 ] &&
           [ \$(tcpdump -nn -r $VT_TMP/newclient.pcap '$SYNACK' 2>/dev/null | wc -l) -eq 0 ]"
vt_verify "the server never heard of $MAC_B by ARP" vt_frames_none server "arp and ether src $MAC_B"
if [ "$VARIANT" = gateway-arp ]; then
  vt_verify "new host capture: its ARP request for the gateway (sender $REUSED, $MAC_B) and the reply" \
    bash -c "[ \$(tcpdump -nn -r $VT_TMP/newclient.pcap 'outbound and arp[6:2] == 1 and arp[14:4] == 0x0a280414' 2>/dev/null | wc -l) -ge 1 ] &&
             [ \$(tcpdump -nn -r $VT_TMP/newclient.pcap 'inbound and arp[6:2] == 2' 2>/dev/null | wc -l) -ge 1 ]"
else
  vt_verify "nothing announced $REUSED at $MAC_B (no ARP at the new host's vantage either)" vt_frames_none newclient arp
fi

cat >"$VT_TMP/spec.json" <<JSON
{
  "scenario": "$VT_NAME",
  "title": "$TITLE",
  "captures": {"server": "$VT_TMP/server.pcap", "newclient": "$VT_TMP/newclient.pcap"},
  "save_findings": "$VT_TMP/findings.jsonl",
  "expect_exit": 1,
  "tolerance": 2.0,
  "require": [
    {"name": "moved", "kind": "neighbor.moved", "ips": ["$REUSED"], "macs": ["$MAC_A", "$MAC_B"],
     "text_any": ["reassign", "unannounced", "without"],
     "overlaps": [$t_gone, $t_failed]},
    {"name": "stale", "kind": "neighbor.stale_after_move", "min_severity": "warning",
     "ips": ["$REUSED"], "macs": ["$MAC_A"], "names": ["$SRV", "$MAC_S"],
     "overlaps": [$t_connect, $t_failed], "starts_in": [$t_gone, $t_failed],
     "evidence": [{"vantage": "server", "min": 2,
                   "match": {"ip_src": "$SRV", "mac_dst": "$MAC_A", "tcp_flags": "SA", "dport": $NEWPORT}}]}
  ],
  "allow": [
    {"kind": "tcp.handshake_failed", "ips": ["$REUSED", "$SRV"]}
  ]
}
JSON
vt_analyze "$VT_TMP/spec.json"
vt_finish
