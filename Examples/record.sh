#!/usr/bin/env bash
# Records the bundled example captures with real peers in network namespaces:
# a keepalived VRRP pair (gw1 master, gw2 backup) serving gateway VIP 10.77.0.1, a web server
# and a client; the master's keepalived is stopped half-way, gw2 takes over with gratuitous ARP.
# Vantage points: the client's eth0 (Ethernet) and gw2's "any" device (Linux cooked v2).
source "$(dirname "$0")/../Scenarios/lib.sh"
vt_init example
out="$VT_ROOT/Examples"

vt_switch
vt_host gw1 10.77.0.2/24 02:aa:00:00:00:02
vt_host gw2 10.77.0.3/24 02:aa:00:00:00:03
vt_host web 10.77.0.20/24 02:aa:00:00:00:20
vt_host client 10.77.0.30/24 02:aa:00:00:00:30
vt_capture client eth0 "$VT_TMP/client.pcap"
vt_capture gw2 any "$VT_TMP/gw2.pcap"

# The gateway VIP exists before any host uses it (as in production).
vt_keepalived gw1 150 10.77.0.1/24; gw1_ka=$VT_LAST_PID
vt_keepalived gw2 100 10.77.0.1/24
vt_wait_for 15 vt_has_address gw1 10.77.0.1 || vt_fail "gw1 never became master"
vt_exec web ip route add default via 10.77.0.1
vt_exec client ip route add default via 10.77.0.1
vt_bg web "$VT_TMP/http.log" python3 -m http.server 80 --bind 10.77.0.20
# Wait from inside the server (connecting from the client would leave refused SYNs in the capture).
vt_wait_for 30 sh -c "ip netns exec $(vt_ns web) ss -ltn | grep -q '10.77.0.20:80 '" || vt_fail "the web server never listened"

fetch() { vt_exec client python3 -c 'import urllib.request; urllib.request.urlopen("http://10.77.0.20/", timeout=2).read()'; }
for _ in 1 2 3; do fetch; vt_exec client ping -c 1 -W 1 10.77.0.1 >/dev/null; sleep 0.5; done

vt_log "stopping gw1's keepalived (pid $gw1_ka): gw2 must take over"
vt_stop "$gw1_ka"
vt_wait_for 10 vt_has_address gw2 10.77.0.1 || vt_fail "gw2 never took over"
sleep 1.5
for _ in 1 2 3; do fetch; vt_exec client ping -c 1 -W 1 10.77.0.1 >/dev/null; sleep 0.5; done
sleep 1
for pid in "${VT_PIDS[@]:0:2}"; do vt_stop "$pid"; done
cp "$VT_TMP/client.pcap" "$out/keepalived-failover.pcap"
cp "$VT_TMP/gw2.pcap" "$out/keepalived-failover-gw2-any.pcap"
ls -l "$out"/*.pcap
