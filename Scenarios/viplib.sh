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
