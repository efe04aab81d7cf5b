#!/usr/bin/env bash
# vip.failover after a crash: the master's keepalived dies by SIGKILL (no priority-0 advert), the
# backup takes over after its Master_Down_Interval (3 x 1 s + (256 - 100)/256 s = 3.61 s after
# the last advert) and announces the VIP with gratuitous ARP bursts. Vantage must report one
# info vip.failover saying the old master vanished (went silent), with the takeover gap it
# measured equal to the one in the captures, and nothing at or above warning.
#
# Topology (one quiet bridge): gw1 .2 (priority 150) · gw2 .3 (100) · client1 .30 · client2 .31
# in 10.41.1.0/24, VIP 10.41.1.1 (keepalived defaults: the VIP on the physical interface,
# answered with the master's real MAC). The crash leaves the VIP configured on gw1 (keepalived
# had no chance to remove it); nobody broadcasts an ARP request for it afterwards, so gw1's
# kernel never answers for it.
# Vantage points: client1 eth0 (Ethernet), gw2 "any" (Linux cooked v2), gw1 eth0 (Ethernet).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/viplib.sh"
vt_scenario vip-keepalived-kill

NET=10.41.1
VIP=$NET.1
MAC_GW1=02:aa:41:01:00:02 MAC_GW2=02:aa:41:01:00:03
vt_switch_quiet
vt_host_quiet gw1 "$NET.2/24" "$MAC_GW1"
vt_host_quiet gw2 "$NET.3/24" "$MAC_GW2"
vt_host_quiet client1 "$NET.30/24" 02:aa:41:01:00:30
vt_host_quiet client2 "$NET.31/24" 02:aa:41:01:00:31
vt_capture_start client1 eth0 client1
vt_capture_start gw2 any gw2
vt_capture_start gw1 eth0 gw1

vt_keepalived_pair "$VIP/24"
ka1=$VT_KEEPALIVED_GW1

vt_bg client1 "$VT_TMP/ping1.log" ping -i 0.2 -W 1 "$VIP"; ping1=$VT_LAST_PID
vt_bg client2 "$VT_TMP/ping2.log" ping -i 0.5 -W 1 "$VIP"; ping2=$VT_LAST_PID
sleep 2
entries_are() {
  vt_neigh_is client1 "$VIP" "$1" "REACHABLE|STALE|DELAY|PROBE" && vt_neigh_is client2 "$VIP" "$1" "REACHABLE|STALE|DELAY|PROBE"
}
vt_verify "before: clients' entry for $VIP is gw1 ($(vt_neigh client1 $VIP), $(vt_neigh client2 $VIP))" entries_are "$MAC_GW1"

t_kill=$(vt_now)
vip_keepalived_crash gw1 "$ka1"
vt_verify "gw2 took over $VIP" vt_wait_for 10 vt_has_address gw2 "$VIP"
t_taken=$(vt_now)
vt_verify "the crash left $VIP configured on gw1" vt_has_address gw1 "$VIP"
vt_verify "after: clients' entry for $VIP is gw2" vt_wait_for 5 entries_are "$MAC_GW2"
sleep 6.5   # gw2's second GARP burst (1 s) and a few seconds of pings through gw2
vt_stop "$ping1"; vt_stop "$ping2"
sleep 0.2
vt_capture_stop

vt_show client1 "arp or ip proto 112"
t_last=$(vip_last_before client1 "$MAC_GW1" "$t_kill")
t_first=$(vip_first_after client1 "$MAC_GW2" "$t_kill")
gap=$(python3 -c "print('%.6f' % ($t_first - $t_last))")
vt_log "gw1's last advert $t_last, gw2's first $t_first: gap $gap s"
vt_verify "client1 capture: no advert from gw1 after the crash (it vanished, did not resign)" \
  vt_frames_since_none client1 "$t_kill" "ip proto 112 and ether src $MAC_GW1"
vt_verify "client1 capture: no priority-0 advert at all" vt_frames_none client1 "ip proto 112 and ip[22] == 0"
vt_verify "takeover gap $gap s is the Master_Down_Interval 3.61 s (+ up to 0.15 s)" vip_between "$gap" 3.55 3.80
vt_verify "client1 capture: >= 5 GARPs for $VIP from gw2" \
  vt_frames_since_at_least 5 client1 "$t_kill" "$(vip_garp_filter $VIP) and ether src $MAC_GW2"
vt_verify "client1 capture: echo replies from $VIP via gw1 before and via gw2 after" bash -c "
  [ \$(tcpdump -nn -r $VT_TMP/client1.pcap 'icmp[0] == 0 and src host $VIP and ether src $MAC_GW1' 2>/dev/null | wc -l) -ge 3 ] &&
  [ \$(tcpdump -nn -r $VT_TMP/client1.pcap 'icmp[0] == 0 and src host $VIP and ether src $MAC_GW2' 2>/dev/null | wc -l) -ge 3 ]"

gap_lo=$(python3 -c "print($gap - 0.05)"); gap_hi=$(python3 -c "print($gap + 0.05)")
cat >"$VT_TMP/spec.json" <<JSON
{
  "scenario": "$VT_NAME",
  "title": "A keepalived master killed (SIGKILL): the backup takes over after the master-down interval",
  "captures": {"client1": "$VT_TMP/client1.pcap", "gw2": "$VT_TMP/gw2.pcap", "gw1": "$VT_TMP/gw1.pcap"},
  "save_findings": "$VT_TMP/findings.jsonl",
  "expect_exit": 0,
  "tolerance": 1.0,
  "require": [
    {"name": "failover", "kind": "vip.failover", "severity": ["info"],
     "ips": ["$VIP", "$NET.2", "$NET.3"], "macs": ["$MAC_GW1", "$MAC_GW2"],
     "starts_in": [$t_last, $t_last], "overlaps": [$t_kill, $t_taken],
     "text_any": ["went silent", "vanished"],
     "details": {"reason": "vanished", "protocol": "VRRP", "takeover_gap_s": [$gap_lo, $gap_hi],
                 "expected_takeover_s": [3.55, 3.65], "old_master.address": "$NET.2", "new_master.address": "$NET.3"},
     "evidence": [{"min": 1, "match": {"proto": "vrrp", "mac_src": "$MAC_GW1"}},
                  {"min": 1, "match": {"proto": "vrrp", "mac_src": "$MAC_GW2"}},
                  {"min": 1, "match": {"arp_op": "request", "arp_spa": "$VIP", "arp_tpa": "$VIP", "arp_sha": "$MAC_GW2"}}]}
  ],
  "optional": [
    {"name": "moved", "kind": "neighbor.moved", "max_severity": "info",
     "ips": ["$VIP"], "macs": ["$MAC_GW1", "$MAC_GW2"], "overlaps": [$t_kill, $t_taken]}
  ],
  "allow": []
}
JSON
vt_analyze "$VT_TMP/spec.json"
vt_finish
