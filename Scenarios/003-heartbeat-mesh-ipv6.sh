#!/usr/bin/env bash
# Seed 003 over IPv6: a Windows failover cluster whose networks have IPv6 sends its UDP 3343
# heartbeats over IPv6. Three nodes in a full unicast mesh every 1.2 s (heartbeat_peer.py),
# two faults on two nodes:
#   1. network: the switch drops every heartbeat n1 sends for 5.5 s (nftables bridge rule on
#      n1's port): its streams' gap is 5.5 to 6.7 s, 4.6 to 5.6 intervals: "unreachable";
#   2. host: n2's heartbeat process is frozen (SIGSTOP by pid) for 5.5 s, then continued.
# Static neighbour entries: no NDP for the heartbeats themselves.
#
# Topology (one bridge "sw"): n1 ::1 · n2 ::2 · n3 ::3 in fd00:40:6::/64.
# Vantage points: n1 eth0 (n1's heartbeats leave), n2 eth0 (n2's own capture), n3 "any"
# (Linux cooked v2, a receiver of both).
# Vantage must report heartbeat.degraded for fd00:40:6::1 at warning (the network: seen
# leaving at n1), heartbeat.sender_stall for fd00:40:6::2 (confirmed by n2's own capture), and
# nothing else at or above warning.
source "$(dirname "$0")/lib.sh"
vt_scenario 003-heartbeat-mesh-ipv6

NET=fd00:40:6:
PORT=3343
INTERVAL=1.2
NODES="1 2 3"
vt_switch_quiet
for i in $NODES; do
  vt_host_quiet "n$i" "" "02:aa:36:00:00:0$i"
  vt_exec "n$i" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0 net.ipv6.conf.eth0.accept_ra=0
  vt_exec "n$i" ip addr add "$NET:$i/64" dev eth0 nodad
done
vt_static_mesh "$NET:" 02:aa:36:00:00:0 $NODES
vt_capture_start n1 eth0 n1
vt_capture_start n2 eth0 n2
vt_capture_start n3 any n3

vt_heartbeat_mesh "$NET:" $PORT $INTERVAL $NODES
vt_log "IPv6 heartbeats flowing; learning period (Vantage learns the interval from 8 gaps)"
sleep 12

# Fault 1: the switch drops n1's heartbeats.
t_drop=$(vt_now)
vt_nft_sw "table bridge hb6 {
  chain forward {
    type filter hook forward priority 0; policy accept;
    iifname \"p-n1\" ether type ip6 udp dport $PORT counter drop
  }
}"
sleep 5.5
dropped=$(vt_nft_count hb6)
ip netns exec "$(vt_ns sw)" nft delete table bridge hb6
t_drop_end=$(vt_now)
sleep 5

# Fault 2: n2's heartbeat sender freezes (a host-side stall).
vt_freeze "${VT_HEARTBEAT_PEER[2]}" 5.5
t_stop=$VT_FREEZE_START t_cont=$VT_FREEZE_END
sleep 4
vt_capture_stop
for i in $NODES; do vt_stop "${VT_HEARTBEAT_PEER[$i]}"; done

# The longest gap of SRC -> DST's heartbeats at VANTAGE overlapping [T0, T1], from tcpdump's reading.
gap() { vt_longest_gap "$1" "ip6 and udp port $PORT and src $2 and dst $3" "$4" "$5"; }

vt_verify "switch dropped $dropped of n1's IPv6 heartbeats in 5.5 s" bash -c "[ ${dropped:-0} -ge 6 ]"
g12=$(gap n2 "$NET:1" "$NET:2" "$t_drop" "$t_drop_end")
g13=$(gap n3 "$NET:1" "$NET:3" "$t_drop" "$t_drop_end")
vt_verify "receivers' captures: n1 -> n2 silent ${g12} s, n1 -> n3 silent ${g13} s (4.25 to 6.25 intervals)" \
  bash -c "$(declare -f vt_ge vt_le); vt_ge $g12 5.1 && vt_le $g12 7.5 && vt_ge $g13 5.1 && vt_le $g13 7.5"
vt_verify "n1's own capture: its heartbeats kept leaving during the drop" \
  vt_frames_at_least 3 n1 "ip6 and udp port $PORT and src $NET:1 and dst $NET:2"
g2=$(gap n2 "$NET:2" "$NET:1" "$t_stop" "$t_cont")
vt_verify "n2's own capture: nothing left n2 for ${g2} s during the freeze" \
  bash -c "$(declare -f vt_ge vt_le); vt_ge $g2 5.3 && vt_le $g2 7.4"

stall_from=$(python3 -c "print($t_stop - 1.3)"); stall_to=$(python3 -c "print($t_cont + 0.5)")
cat >"$VT_TMP/spec.json" <<JSON
{
  "scenario": "$VT_NAME",
  "title": "Seed 003 over IPv6: a three-node cluster's UDP 3343 heartbeats lost in the switch (n1), then a frozen sender (n2)",
  "captures": {"n1": "$VT_TMP/n1.pcap", "n2": "$VT_TMP/n2.pcap", "n3": "$VT_TMP/n3.pcap"},
  "save_findings": "$VT_TMP/findings.jsonl",
  "expect_exit": 1,
  "tolerance": 2.0,
  "require": [
    {"name": "network", "kind": "heartbeat.degraded", "severity": ["warning"], "ips": ["$NET:1", "$NET:2", "$NET:3"],
     "macs": ["02:aa:36:00:00:01"], "overlaps": [$t_drop, $t_drop_end], "text_any": ["captured at 'n1'"],
     "details": {"sender": "$NET:1", "worst_rung": "unreachable", "interval_source": "learned"},
     "evidence": [{"min": 2, "match": {"ip_src": "$NET:1", "proto": "udp"}},
                  {"vantage": "n1", "min": 1, "match": {"ip_src": "$NET:1", "proto": "udp"}}]},
    {"name": "stall", "kind": "heartbeat.sender_stall", "severity": ["warning"], "ips": ["$NET:2"],
     "macs": ["02:aa:36:00:00:02"], "starts_in": [$stall_from, $t_stop], "ends_in": [$t_cont, $stall_to],
     "text_any": ["host-side stall"], "names": ["'n2'"], "details": {"confirmed_at_host": true},
     "evidence": [{"min": 3, "match": {"ip_src": "$NET:2", "proto": "udp"}}]},
    {"name": "stall-gaps", "kind": "heartbeat.degraded", "min_severity": "warning", "ips": ["$NET:2"],
     "overlaps": [$t_stop, $t_cont], "caused_by": "stall"}
  ],
  "optional": [],
  "allow": []
}
JSON
vt_analyze "$VT_TMP/spec.json"
vt_finish
