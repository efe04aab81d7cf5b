#!/usr/bin/env bash
# Several vantage points, one clock: real traffic captured at three places on one host clock,
# then two of the files shifted by known amounts (editcap -t) as if their hosts' clocks were
# off. Vantage must find each shift within 1 ms (capture.clock_offset, info), put every other
# finding's evidence on the reference clock, and report nothing at or above warning.
#
# Topology (one bridge "sw", quiet): gw1 .2 (keepalived priority 150) · gw2 .3 (100) serving VIP
# .1 · client .30 · server .20 (HTTP) in 10.40.50.0/24.
# Traffic: keepalived adverts (gw1 master), ARP (client and server resolve each other, arping),
# the client pings the server every 0.1 s and fetches HTTP from it.
# Vantage points: client eth0 (Ethernet, the reference), server "any" (Linux cooked v2) shifted
# +0.350 s, gw2 eth0 (Ethernet) shifted -1.250 s. Alignment must recover -350 ms and +1250 ms
# (what to add to each file's times), within 1 ms. A control run with --no-align must report no
# offset and keep the raw times.
source "$(dirname "$0")/lib.sh"
vt_scenario clock-offset-alignment

NET=10.40.50
VIP=$NET.1
SHIFT_SERVER=0.350
SHIFT_GW2=-1.250
vt_switch_quiet
vt_host_quiet gw1 "$NET.2/24" 02:aa:50:00:00:02
vt_host_quiet gw2 "$NET.3/24" 02:aa:50:00:00:03
vt_host_quiet client "$NET.30/24" 02:aa:50:00:00:30
vt_host_quiet server "$NET.20/24" 02:aa:50:00:00:20
vt_capture_start client eth0 client
vt_capture_start server any server-raw
vt_capture_start gw2 eth0 gw2-raw

vt_keepalived_pair "$VIP/24"
vt_bg server "$VT_TMP/http.log" python3 -m http.server 80 --bind 0.0.0.0
vt_wait_for 5 vt_exec server bash -c "exec 3<>/dev/tcp/127.0.0.1/80" || vt_fail "HTTP server did not start"

t_start=$(vt_now)
vt_bg client "$VT_TMP/ping.log" ping -i 0.1 -c 40 "$NET.20"; ping_pid=$VT_LAST_PID
vt_exec client arping -c 3 -I eth0 "$NET.2" >&2 || true
vt_verify "client fetches http://$NET.20/" vt_peers client http-get "http://$NET.20/" --timeout 2
vt_wait_for 10 bash -c "! kill -0 $ping_pid 2>/dev/null" || true
vt_stop "$ping_pid"
sleep 1.2   # one more round of adverts
vt_capture_stop

vt_verify "client capture: echo requests and replies, ARP and VRRP adverts" bash -c "
  [ \$(tcpdump -nn -r $VT_TMP/client.pcap 'icmp[0] == 8' 2>/dev/null | wc -l) -ge 30 ] &&
  [ \$(tcpdump -nn -r $VT_TMP/client.pcap 'icmp[0] == 0' 2>/dev/null | wc -l) -ge 30 ] &&
  [ \$(tcpdump -nn -r $VT_TMP/client.pcap arp 2>/dev/null | wc -l) -ge 2 ] &&
  [ \$(tcpdump -nn -r $VT_TMP/client.pcap vrrp 2>/dev/null | wc -l) -ge 3 ]"
vt_verify "server capture: the same pings" vt_frames_at_least 30 server-raw "icmp[0] == 8"
vt_verify "gw2 capture: adverts and the client's broadcast ARP" bash -c "
  [ \$(tcpdump -nn -r $VT_TMP/gw2-raw.pcap vrrp 2>/dev/null | wc -l) -ge 3 ] &&
  [ \$(tcpdump -nn -r $VT_TMP/gw2-raw.pcap 'arp and ether dst ff:ff:ff:ff:ff:ff' 2>/dev/null | wc -l) -ge 1 ]"

editcap -F pcap -t "$SHIFT_SERVER" "$VT_TMP/server-raw.pcap" "$VT_TMP/server.pcap" >&2
editcap -F pcap -t "$SHIFT_GW2" "$VT_TMP/gw2-raw.pcap" "$VT_TMP/gw2.pcap" >&2
first_time() { tcpdump -tt -nn -c 1 -r "$1" 2>/dev/null | awk '{print $1}'; }
vt_verify "server file shifted by +$SHIFT_SERVER s" python3 -c "
import sys; a, b = float('$(first_time "$VT_TMP/server-raw.pcap")'), float('$(first_time "$VT_TMP/server.pcap")')
sys.exit(abs(b - a - $SHIFT_SERVER) > 1e-5)"

# Vantage: the corrections are the opposite of the shifts (ms), within 1 ms.
want_server=$(python3 -c "print(-1000 * $SHIFT_SERVER - 1.0, \",\", -1000 * $SHIFT_SERVER + 1.0)")
want_gw2=$(python3 -c "print(-1000 * $SHIFT_GW2 - 1.0, \",\", -1000 * $SHIFT_GW2 + 1.0)")
cat >"$VT_TMP/spec.json" <<JSON
{
  "scenario": "$VT_NAME",
  "title": "Three vantage points whose clocks disagree by 0.35 s and 1.25 s, aligned from the frames they share",
  "captures": {"client": "$VT_TMP/client.pcap", "server": "$VT_TMP/server.pcap", "gw2": "$VT_TMP/gw2.pcap"},
  "save_findings": "$VT_TMP/findings.jsonl",
  "expect_exit": 0,
  "tolerance": 2.0,
  "require": [
    {"name": "server-offset", "kind": "capture.clock_offset", "severity": ["info"], "names": ["server", "client"],
     "vantages": ["server"], "details": {"vantage": "server", "reference": "client", "offset_ms": [$want_server]},
     "evidence": [{"vantage": "server", "min": 1, "match": {}}]},
    {"name": "gw2-offset", "kind": "capture.clock_offset", "severity": ["info"], "names": ["gw2", "client"],
     "vantages": ["gw2"], "details": {"vantage": "gw2", "reference": "client", "offset_ms": [$want_gw2]},
     "evidence": [{"vantage": "gw2", "min": 1, "match": {}}]}
  ],
  "optional": [],
  "allow": []
}
JSON
vt_analyze "$VT_TMP/spec.json"

# Control: --no-align reports no offset, and the server's frames keep their shifted times.
noalign=$("${VANTAGE:-$VT_ROOT/.build/debug/vantage}" analyze --format json --no-align --fail-on critical \
  client="$VT_TMP/client.pcap" server="$VT_TMP/server.pcap" gw2="$VT_TMP/gw2.pcap" || true)
if grep -q '"capture.clock_offset"' <<<"$noalign"; then
  vt_flunk "--no-align: no capture.clock_offset finding"
else
  vt_pass "--no-align: no capture.clock_offset finding"
fi
vt_finish
