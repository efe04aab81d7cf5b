#!/usr/bin/env bash
# Helpers for the vip-* scenarios (sourced after lib.sh): keepalived crashes, ucarp peers, a
# second segment for routed traffic, and VRRP/CARP advert times read back from a capture.
# (No dash in the name: run-all.sh only runs NAME-NAME.sh scripts.)

# vip_ip2hex IP: IP as a 0x-prefixed 32-bit number, for tcpdump filters such as arp[14:4].
vip_ip2hex() { printf '0x%02x%02x%02x%02x' ${1//./ }; }

# vip_garp_filter VIP: tcpdump filter for gratuitous ARP requests for VIP (SPA = TPA = VIP).
vip_garp_filter() {
  local hex; hex=$(vip_ip2hex "$1")
  echo "arp[6:2] == 1 and arp[14:4] == $hex and arp[24:4] == $hex"
}

# vip_keepalived_crash HOST PID: the VRRP child of HOST's keepalived (parent PID, started by
# vt_keepalived) dies by SIGKILL without a word: the parent is stopped first (SIGSTOP), so it
# neither respawns the child nor, when it is killed in turn, lets the child resign (keepalived's
# children get SIGTERM when the parent dies, and would send a priority-0 advert).
vip_keepalived_crash() {
  local host=$1 parent=$2 child
  child=$(cat "$VT_TMP/ka-vrrp-$host.pid")
  [ -n "$child" ] && kill -0 "$child" || vt_fail "no VRRP child of keepalived on $host"
  vt_log "crashing $host's keepalived: SIGSTOP parent $parent, SIGKILL VRRP child $child, SIGKILL parent"
  kill -STOP "$parent"
  kill -KILL "$child"
  kill -KILL "$parent"
  wait "$parent" 2>/dev/null || true
}

# vip_ucarp HOST SRCIP VHID ADVSKEW VIP: ucarp on HOST's eth0 for VIP/24 (the up-script adds the
# address, the down-script removes it; --shutdown runs the down-script on exit); sets VT_LAST_PID.
vip_ucarp() {
  local host=$1 src=$2 vhid=$3 skew=$4 vip=$5
  local up="$VT_TMP/ucarp-up-$host.sh" down="$VT_TMP/ucarp-down-$host.sh"
  printf '#!/bin/sh\nip addr add %s/24 dev "$1"\n' "$vip" >"$up"
  printf '#!/bin/sh\nip addr del %s/24 dev "$1"\n' "$vip" >"$down"
  chmod +x "$up" "$down"
  vt_bg "$host" "$VT_TMP/ucarp-$host.log" ucarp --interface=eth0 --srcip="$src" --vhid="$vhid" \
    --pass=vantage --addr="$vip" --advbase=1 --advskew="$skew" --shutdown \
    --upscript="$up" --downscript="$down"
}

# vip_advert_times NAME MAC: epoch times of the IP-protocol-112 adverts with Ethernet source MAC
# in vantage NAME's capture (an Ethernet capture), one a line.
vip_advert_times() {
  tcpdump -tt -nn -r "$VT_TMP/$1.pcap" "ip proto 112 and ether src $2" 2>/dev/null | awk '{ print $1 }'
}

# vip_last_before NAME MAC T / vip_first_after NAME MAC T: the last advert from MAC before T, the
# first at or after T ("" when none).
vip_last_before() { vip_advert_times "$1" "$2" | awk -v t="$3" '$1 < t { last = $1 } END { print last }'; }
vip_first_after() { vip_advert_times "$1" "$2" | awk -v t="$3" '$1 >= t { print $1; exit }'; }

# vip_between X LO HI: whether LO <= X <= HI (decimals).
vip_between() { python3 -c "import sys; sys.exit(0 if $2 <= $1 <= $3 else 1)"; }

# vip_segment2: a second bridge br1 in the switch namespace (another L2 segment, e.g. the
# clients' side of a firewall pair), as quiet as vt_switch_quiet's br0.
vip_segment2() {
  local ns; ns=$(vt_ns sw)
  ip -n "$ns" link add br1 type bridge stp_state 0 forward_delay 0 mcast_snooping 0
  ip -n "$ns" link set br1 address 02:00:00:00:01:fe
  ip -n "$ns" link set br1 up
}

# vip_leg HOST IFACE CIDR MAC: plugs an existing host into br1 through IFACE (switch port
# q-HOST), with address CIDR.
vip_leg() {
  local host=$1 iface=$2 cidr=$3 mac=$4 ns sw
  ns=$(vt_ns "$host"); sw=$(vt_ns sw)
  ip link add "vt$$x" type veth peer name "vt$$y"
  ip link set "vt$$x" netns "$ns"
  ip link set "vt$$y" netns "$sw"
  ip -n "$ns" link set "vt$$x" name "$iface"
  ip -n "$sw" link set "vt$$y" name "q-$host"
  ip -n "$ns" link set "$iface" address "$mac"
  ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$iface.disable_ipv6=1" "net.ipv4.conf.$iface.arp_notify=0"
  ip -n "$sw" link set "q-$host" master br1
  ip -n "$sw" link set "q-$host" up
  ip -n "$ns" addr add "$cidr" dev "$iface"
  ip -n "$ns" link set "$iface" up
}

# vip_capture_filtered HOST IFACE NAME FILTER: like vt_capture_start, with a capture filter.
vip_capture_filtered() {
  local host=$1 iface=$2 name=$3 filter=$4 log="$VT_TMP/tcpdump-$3.log"
  vt_bg "$host" "$log" tcpdump -i "$iface" --immediate-mode -U -s 0 -w "$VT_TMP/$name.pcap" -nn "$filter"
  VT_CAPTURE_PIDS+=("$VT_LAST_PID")
  vt_wait_log 10 "$log" "listening on" || vt_fail "tcpdump on $host did not start: $(cat "$log")"
}
