#!/usr/bin/env bash
# Seed 003: a four-node failover cluster exchanging UDP 3343 heartbeats every 1.2 s in a full
# unicast mesh (a small python3 peer per node, started and stopped by pid). Two faults, in one
# run, on two different nodes:
#   1. network: the switch drops every heartbeat n1 sends (nftables bridge rule on n1's port)
#      for 5.5 s, forwards them for 3 s, then drops about half of them (numgen random) for 10 s;
#   2. host: n2's heartbeat process is frozen (SIGSTOP by pid) for 5.5 s, then continued (its
#      pause is 5.5 to 6.7 s: under 6.25 intervals, so no node loss, whatever the sleep phase).
# Static neighbour entries everywhere: no ARP at all, only heartbeats.
#
# Topology (one bridge "sw"): n1 .1 · n2 .2 · n3 .3 · n4 .4 in 10.40.3.0/24.
# Vantage points: n1 eth0 (n1's own capture: its heartbeats leave), n2 eth0 (n2's own capture,
# a receiver of n1's), n3 "any" (Linux cooked v2, a receiver of both).
# Vantage must report heartbeat.degraded for n1, located in the network (seen leaving at n1,
# missing at n2/n3), with the worst gap and rung the captures show; heartbeat.sender_stall for
# n2, confirmed by n2's own capture; heartbeat.degraded for n2 caused by that stall; nothing
# else at or above warning (no node_lost: neither pause reaches 6 intervals + tolerance).
source "$(dirname "$0")/lib.sh"
vt_scenario 003-heartbeat-mesh

NET=10.40.3
PORT=3343
INTERVAL=1.2
NODES="1 2 3 4"
vt_switch_quiet
for i in $NODES; do vt_host_quiet "n$i" "$NET.$i/24" "02:aa:03:00:00:0$i"; done
vt_static_mesh "$NET." 02:aa:03:00:00:0 $NODES
vt_capture_start n1 eth0 n1
vt_capture_start n2 eth0 n2
vt_capture_start n3 any n3

vt_heartbeat_mesh "$NET." $PORT $INTERVAL $NODES
vt_log "heartbeats flowing; learning period (Vantage learns the interval from 8 gaps)"
sleep 12

# Fault 1: the network drops n1's heartbeats.
t_drop=$(vt_now)
vt_nft_sw "table bridge hbfull {
  chain forward {
    type filter hook forward priority 0; policy accept;
    iifname \"p-n1\" udp dport $PORT counter drop
  }
}"
sleep 5.5
full_dropped=$(vt_nft_count hbfull)
ip netns exec "$(vt_ns sw)" nft delete table bridge hbfull
t_drop_end=$(vt_now)
sleep 3
t_partial=$(vt_now)
vt_nft_sw "table bridge hbhalf {
  chain forward {
    type filter hook forward priority 0; policy accept;
    iifname \"p-n1\" udp dport $PORT numgen random mod 2 == 0 counter drop
  }
}"
sleep 10
half_dropped=$(vt_nft_count hbhalf)
ip netns exec "$(vt_ns sw)" nft delete table bridge hbhalf
t_partial_end=$(vt_now)
vt_log "switch dropped $full_dropped of n1's heartbeats in 5.5 s, then $half_dropped in 10 s"
sleep 6

# Fault 2: n2's heartbeat sender freezes (a host-side stall).
vt_freeze "${VT_HEARTBEAT_PEER[2]}" 5.5
t_stop=$VT_FREEZE_START t_cont=$VT_FREEZE_END
sleep 4
t_end=$(vt_now)
vt_capture_stop
for i in $NODES; do vt_stop "${VT_HEARTBEAT_PEER[$i]}"; done

# hb VANTAGE SRC DST T0 T1: heartbeats of SRC -> DST captured at VANTAGE within [T0, T1];
# gap VANTAGE SRC DST T0 T1: the longest gap between them that overlaps [T0, T1].
hb() { vt_frames_between "$1" "$4" "$5" "udp port $PORT and src $2 and dst $3"; }
gap() { vt_longest_gap "$1" "udp port $PORT and src $2 and dst $3" "$4" "$5"; }
plus() { python3 -c "print($1 + ($2))"; }

vt_verify "switch dropped n1's heartbeats: $full_dropped in 5.5 s (all), $half_dropped in 10 s (about half)" \
  bash -c "[ $full_dropped -ge 12 ] && [ $half_dropped -ge 5 ] && [ $half_dropped -le 20 ]"
g12=$(gap n2 $NET.1 $NET.2 "$t_drop" "$t_drop_end"); g13=$(gap n3 $NET.1 $NET.3 "$t_drop" "$t_drop_end")
vt_verify "receivers' captures: n1 -> n2 silent ${g12} s, n1 -> n3 silent ${g13} s during the drop" \
  bash -c "$(declare -f vt_ge); vt_ge $g12 5.4 && vt_ge $g13 5.4"
sent=$(hb n1 $NET.1 $NET.2 "$(plus "$t_drop" 0.5)" "$(plus "$t_drop_end" -0.5)")
vt_verify "n1's own capture: its heartbeats to n2 kept leaving during the drop ($sent)" bash -c "[ $sent -ge 3 ]"
g2=$(gap n2 $NET.2 $NET.1 "$t_stop" "$t_cont")
vt_verify "n2's own capture: nothing left n2 for ${g2} s during the freeze" \
  bash -c "$(declare -f vt_ge vt_le); vt_ge $g2 5.3 && vt_le $g2 7.4"
others=$(hb n2 $NET.3 $NET.2 "$(plus "$t_stop" 0.5)" "$(plus "$t_cont" -0.5)")
vt_verify "n2's capture: n3's heartbeats kept arriving during the freeze ($others)" bash -c "[ $others -ge 3 ]"

# The worst gap of n1's streams at the receivers, and the rung it reaches (2/4/6 intervals +
# 0.25 tolerance), as the captures show it.
w12=$(gap n2 $NET.1 $NET.2 "$(plus "$t_drop" -1)" "$(plus "$t_partial_end" 1)")
w13=$(gap n3 $NET.1 $NET.3 "$(plus "$t_drop" -1)" "$(plus "$t_partial_end" 1)")
read -r worst1 rung1 sev1 < <(python3 -c "
w = max($w12, $w13); i = w / $INTERVAL
rung, sev = ('failed', 'critical') if i >= 6.25 else ('unreachable', 'warning') if i >= 4.25 else ('lost', 'info')
print('%.6f %s %s' % (w, rung, sev))")
vt_log "captures: n1's worst gap ${worst1} s -> rung $rung1 ($sev1)"

stall_from=$(python3 -c "print($t_stop - 1.3)"); stall_to=$(python3 -c "print($t_cont + 0.5)")
cat >"$VT_TMP/spec.json" <<JSON
{
  "scenario": "$VT_NAME",
  "title": "Seed 003: a four-node cluster's UDP 3343 heartbeats lost in the switch (n1), then a frozen sender (n2)",
  "captures": {"n1": "$VT_TMP/n1.pcap", "n2": "$VT_TMP/n2.pcap", "n3": "$VT_TMP/n3.pcap"},
  "save_findings": "$VT_TMP/findings.jsonl",
  "expect_exit": 1,
  "tolerance": 2.0,
  "require": [
    {"name": "network", "kind": "heartbeat.degraded", "severity": ["$sev1"], "ips": ["$NET.1", "$NET.2", "$NET.3"],
     "macs": ["02:aa:03:00:00:01"], "overlaps": [$t_drop, $t_partial_end], "text_any": ["captured at 'n1'"],
     "evidence": [{"min": 2, "match": {"ip_src": "$NET.1", "proto": "udp"}},
                  {"vantage": "n1", "min": 1, "match": {"ip_src": "$NET.1", "proto": "udp"}}]},
    {"name": "stall", "kind": "heartbeat.sender_stall", "severity": ["warning"], "ips": ["$NET.2"],
     "macs": ["02:aa:03:00:00:02"], "starts_in": [$stall_from, $t_stop], "ends_in": [$t_cont, $stall_to],
     "text_any": ["host-side stall"], "names": ["'n2'"],
     "evidence": [{"min": 3, "match": {"ip_src": "$NET.2", "proto": "udp"}}]},
    {"name": "stall-gaps", "kind": "heartbeat.degraded", "min_severity": "warning", "ips": ["$NET.2"],
     "overlaps": [$t_stop, $t_cont], "caused_by": "stall"}
  ],
  "optional": [],
  "allow": []
}
JSON
vt_analyze "$VT_TMP/spec.json"

# The worst gap and rung Vantage reports for n1 against the captures' own.
check_worst() {
  python3 - "$VT_TMP/findings.jsonl" <<PY
import json, sys
found = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
n1 = [f for f in found if f["kind"] == "heartbeat.degraded" and f["details"].get("sender") == "$NET.1"]
assert len(n1) == 1, "expected one heartbeat.degraded episode for $NET.1, got %d" % len(n1)
d = n1[0]["details"]
print("Vantage: worst %.6f s (%s intervals, %s, interval %s s %s); captures: $worst1 s, $rung1"
      % (d["worst_gap_s"], d["worst_gap_intervals"], d["worst_rung"], d["interval_s"], d["interval_source"]), file=sys.stderr)
assert abs(d["worst_gap_s"] - $worst1) < 0.002, "worst gap differs from the captures'"
assert d["worst_rung"] == "$rung1", "rung differs"
assert d["interval_source"] == "learned" and abs(d["interval_s"] - $INTERVAL) < 0.02, "interval not learned as $INTERVAL s"
assert not [f for f in found if f["kind"] == "heartbeat.node_lost"], "a node_lost"
PY
}
if [ -s "$VT_TMP/findings.jsonl" ] && check_worst; then
  vt_pass "n1's worst gap and rung match the captures ($worst1 s, $rung1); interval learned as $INTERVAL s"
else
  vt_flunk "n1's worst gap/rung do not match the captures ($worst1 s, $rung1)"
fi
vt_log "run took $(python3 -c "print('%.1f' % ($t_end - $VT_SCENARIO_START))") s of traffic"
vt_finish
