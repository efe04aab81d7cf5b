#!/usr/bin/env bash
# Seed 001: "Why is the backup CARP node seeing traffic?" A firewall pair (keepalived here) holds
# the servers' gateway VIP; now and then a server's SYN-ACK to an off-link client reaches the
# BACKUP node instead of the master, which drops it; the client retransmits its SYN after 1 s
# (Linux; 3 s on the seed's FreeBSD clients) and the connection is slow but succeeds.
#
# The fault, as in the seed, is in the switch, not in the hosts: the server addresses its
# SYN-ACKs to the master's MAC, but an nftables netdev rule on the server's switch port hands
# about 1 in 8 SYN-ACKs to the backup's port instead (`numgen random`, `fwd to`), as a switch
# with a confused MAC table or LAG hashing would. The backup is not a router here
# (ip_forward=0), like a CARP backup whose pf has no state for the connection. Vantage must
# report vip.traffic_to_backup naming the server and the backup, with the count of strays (the
# nft counter), their cadence, and the client SYN retransmissions they caused (~1 s later).
#
# Topology: segment A (bridge br0, 10.41.6.0/24): gw1 eth0 .2 (priority 150), gw2 eth0 .3 (100),
# VIP .1 (the server's default gateway), server .20 (TCP :7000). Segment B (bridge br1,
# 10.41.7.0/24): gw1 eth1 .2 (routes between the segments), gw2 eth1 .3, client .30 (default
# route via gw1). gw2 starts first and is master until gw1 (higher priority) preempts it, so
# the capture shows gw2 as a member of the group (a keepalived backup is otherwise silent).
# Vantage points: client eth0 (TCP only), gw1 eth0 (primary, Ethernet), gw2 "any" (backup, Linux
# cooked v2: the kernel marks the strays as addressed to another host). Without VLAN tags Vantage
# cannot tell segment B from A, so segment B's ARP stays out of the captures (it would make the
# client look on-link). On veth, frames are not padded to 60 bytes, so gw1's Ethernet capture
# cannot say which node it was taken on (both nodes' adverts look like its own); gw2's cooked one
# can.
# The client capture is handed to Vantage with its clock shifted by +0.350 s (editcap -t), a
# known offset for the clock-alignment work (recorded in the spec's notes).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/viplib.sh"
vt_scenario 001-synack-to-backup

A=10.41.6 B=10.41.7
VIP=$A.1 SERVER=$A.20 CLIENT=$B.30
MAC_GW1=02:aa:41:06:00:02 MAC_GW2=02:aa:41:06:00:03 MAC_SRV=02:aa:41:06:00:20
CONNECTS=${VT_CONNECTS:-240} ONE_IN=8 OFFSET=0.350
vt_switch_quiet
vip_segment2
vt_host_quiet gw1 "$A.2/24" "$MAC_GW1"
vt_host_quiet gw2 "$A.3/24" "$MAC_GW2"
vt_host_quiet server "$SERVER/24" "$MAC_SRV"
vt_host_quiet client "$CLIENT/24" 02:aa:41:07:00:30
ip -n "$(vt_ns sw)" link set p-client master br1   # the client lives on segment B
vip_leg gw1 eth1 "$B.2/24" 02:aa:41:07:00:02
vip_leg gw2 eth1 "$B.3/24" 02:aa:41:07:00:03
for g in gw1 gw2; do vt_exec "$g" sysctl -qw net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.eth0.send_redirects=0; done
vt_exec gw1 sysctl -qw net.ipv4.ip_forward=1
vt_exec gw2 sysctl -qw net.ipv4.ip_forward=0
vt_exec server ip route add default via "$VIP"
vt_exec client ip route add default via "$B.2"

vip_capture_filtered client eth0 client tcp
vt_capture_start gw1 eth0 gw1
vip_capture_filtered gw2 any gw2 "not (arp and net $B.0/24)"

vt_keepalived gw2 100 "$VIP/24"
vt_verify "gw2 became master first and holds $VIP" vt_wait_for 15 vt_has_address gw2 "$VIP"
vt_keepalived gw1 150 "$VIP/24"
vt_verify "gw1 preempted gw2 and holds $VIP" vt_wait_for 15 vt_has_address gw1 "$VIP"
t_preempt=$(vt_now)
vt_verify "gw2 released $VIP" vt_wait_for 5 bash -c "! ip -n $(vt_ns gw2) -4 -o addr show dev eth0 | grep -q ' $VIP/'"
vt_bg server "$VT_TMP/server.log" python3 "$VT_ROOT/Scenarios/peers.py" tcp-server 0.0.0.0 7000
vt_wait_log 5 "$VT_TMP/server.log" listening
vt_exec server ping -c 2 -i 0.2 -W 1 "$VIP" >&2   # the server resolves its gateway (gw1)
vt_verify "server's entry for $VIP is gw1 ($(vt_neigh server $VIP))" vt_neigh_is server "$VIP" "$MAC_GW1" "REACHABLE|STALE|DELAY"
vt_verify "client reaches the server through gw1" vt_peers client tcp-client "$SERVER" 7000 --timeout 3
# gw2 has been backup for 6 s (past Vantage's 5 s flood_grace after a node's own mastery).
sleep "$(python3 -c "print(max(0.0, $t_preempt + 6 - $(vt_now)))")"

vt_nft_sw "table netdev vipstray {
  chain in {
    type filter hook ingress device \"p-server\" priority 0; policy accept;
    ether daddr $MAC_GW1 ip saddr $SERVER tcp sport 7000 tcp flags & (syn | ack) == syn | ack numgen random mod $ONE_IN == 0 counter fwd to \"p-gw2\"
  }
}"
cat >"$VT_TMP/connects.py" <<'PY'
import socket, sys, threading, time
host, port, total, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), 8
times, lock, left = [], threading.Lock(), [total]
def work():
    while True:
        with lock:
            if left[0] == 0:
                return
            left[0] -= 1
        start = time.monotonic()
        try:
            with socket.create_connection((host, port), timeout=5) as s:
                took = time.monotonic() - start
                s.sendall(b"PING\r\n"); s.recv(16); s.shutdown(socket.SHUT_WR); s.recv(16)
        except OSError:
            took = -1.0
        with lock:
            times.append(took)
threads = [threading.Thread(target=work) for _ in range(workers)]
for t in threads: t.start()
for t in threads: t.join()
failed = sum(1 for t in times if t < 0)
slow = sum(1 for t in times if t >= 0.9)
print("connects %d failed %d slow %d" % (len(times), failed, slow), flush=True)
sys.exit(1 if failed else 0)
PY
t_fault=$(vt_now)
vt_log "client: $CONNECTS connects to $SERVER:7000; 1 in $ONE_IN SYN-ACKs goes to gw2's port"
vt_exec client python3 "$VT_TMP/connects.py" "$SERVER" 7000 "$CONNECTS" >"$VT_TMP/connects.log" 2>&1 || true
t_end=$(vt_now)
sleep 0.3
vt_capture_stop
cat "$VT_TMP/connects.log" >&2

strays=$(ip netns exec "$(vt_ns sw)" nft list chain netdev vipstray in | awk '/counter/ { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }')
read -r _ done _ failed _ slow < "$VT_TMP/connects.log"
vt_log "nft handed $strays SYN-ACK(s) to gw2; $done connects, $failed failed, $slow slow"
SYNACK_TO_GW1="tcp[13] & 18 == 18 and src host $SERVER and ether dst $MAC_GW1"
SYNACK_AT_GW2="tcp[13] & 18 == 18 and src host $SERVER"
vt_show gw2 "$SYNACK_AT_GW2"
vt_verify "all $CONNECTS connects succeeded, $slow slow (>= 0.9 s)" test "$done" = "$CONNECTS" -a "$failed" = 0 -a "$slow" -ge 3
vt_verify "nft handed >= 3 SYN-ACKs to gw2's port ($strays)" test "${strays:-0}" -ge 3
vt_verify "gw2 capture: exactly those $strays SYN-ACKs, addressed to another host (P)" bash -c "
  [ \$(tcpdump -nn -r $VT_TMP/gw2.pcap '$SYNACK_AT_GW2' 2>/dev/null | wc -l) = $strays ] &&
  [ \$(tcpdump -nn -r $VT_TMP/gw2.pcap '$SYNACK_AT_GW2' 2>/dev/null | grep -c ' P  *IP ') = $strays ]"
synacks_gw1=$(vt_frames gw1 "$SYNACK_TO_GW1")
syns=$(vt_frames client "tcp[13] & 18 == 2 and dst host $SERVER")
vt_verify "client capture: $syns SYNs for $CONNECTS connects (retransmissions after lost SYN-ACKs)" test "$syns" -ge $((CONNECTS + 3))
vt_verify "gw1 capture: $synacks_gw1 SYN-ACKs from the server, one per SYN that got through" test "$synacks_gw1" -ge "$CONNECTS"

editcap -t "$OFFSET" "$VT_TMP/client.pcap" "$VT_TMP/client-shifted.pcap" >&2
editcap -F pcap -t 0 "$VT_TMP/client-shifted.pcap" "$VT_TMP/client-shifted2.pcap" >&2 && mv "$VT_TMP/client-shifted2.pcap" "$VT_TMP/client-shifted.pcap"

# The client's clock runs OFFSET late, so gw1's and gw2's must come out OFFSET behind it (+-1 ms).
offset_lo=$(python3 -c "print(1000 * $OFFSET - 1)")
offset_hi=$(python3 -c "print(1000 * $OFFSET + 1)")
cat >"$VT_TMP/spec.json" <<JSON
{
  "scenario": "$VT_NAME",
  "title": "Seed 001: some of a server's SYN-ACKs reach the backup router of a VRRP pair and die; clients retry after 1 s",
  "notes": "The client capture was shifted by +$OFFSET s (editcap -t $OFFSET): its timestamps run $OFFSET s late (true time = capture time - $OFFSET s); gw1 and gw2 are on the true clock. $strays SYN-ACKs were handed to the backup's port; $slow of $CONNECTS connects took >= 0.9 s.",
  "clock_offsets": {"client": $OFFSET},
  "captures": {"client": "$VT_TMP/client-shifted.pcap", "gw1": "$VT_TMP/gw1.pcap", "gw2": "$VT_TMP/gw2.pcap"},
  "save_findings": "$VT_TMP/findings.jsonl",
  "expect_exit": 1,
  "tolerance": 2.0,
  "require": [
    {"name": "to-backup", "kind": "vip.traffic_to_backup", "min_severity": "warning",
     "ips": ["$VIP", "$SERVER"], "names": ["$SERVER", "$A.3"],
     "starts_in": [$t_fault, $t_end], "ends_in": [$t_fault, $t_end],
     "details": {"frames": [$strays, $strays], "paths.at_backup_vantage": [$strays, $strays], "frames_by_vantage.gw2": [$strays, $strays],
                 "syn_acks": [3, $strays], "client_syn_retransmissions": [3, $strays],
                 "retransmission_delay_median_s": [0.9, 1.5]},
     "text_any": ["the client retransmitted its SYN"],
     "evidence": [{"min": 3, "vantage": "gw2",
                   "match": {"proto": "tcp", "tcp_flags": "SA", "ip_src": "$SERVER", "ip_dst": "$CLIENT", "pkttype": 3}}]},
    {"name": "slow-handshakes", "kind": "tcp.handshake_slow", "min_severity": "warning", "names": ["$SERVER"],
     "caused_by": "to-backup", "details": {"cause": "vip_backup", "first_retry_s": [0.9, 1.5]},
     "text_any": ["reached the backup"]},
    {"name": "gw1-clock", "kind": "capture.clock_offset", "details": {"vantage": "gw1", "offset_ms": [$offset_lo, $offset_hi]}},
    {"name": "gw2-clock", "kind": "capture.clock_offset", "details": {"vantage": "gw2", "offset_ms": [$offset_lo, $offset_hi]}}
  ],
  "optional": [
    {"name": "preemption", "kind": "vip.failover", "max_severity": "info", "ips": ["$VIP", "$A.2", "$A.3"],
     "details": {"reason": "preempted"}}
  ],
  "allow": [
    {"kind": "tcp.handshake_slow", "names": ["$SERVER"]},
    {"kind": "tcp.handshake_failed", "names": ["$SERVER"]}
  ]
}
JSON
vt_analyze "$VT_TMP/spec.json"
vt_finish
