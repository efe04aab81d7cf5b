#!/usr/bin/env bash
# Shared helpers for scenario scripts: hosts in network namespaces on one bridge, real peers,
# tcpdump vantage points. Everything a script starts is recorded by pid and ended on exit;
# every namespace it creates is deleted. Traffic stays inside these namespaces.
#
# Usage: source Scenarios/lib.sh; vt_init NAME; vt_switch; vt_host h1 10.77.0.11/24 ...

set -euo pipefail

VT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VT_PIDS=()
VT_NAMESPACES=()
VT_TMP=""
VT_PREFIX=""

# vt_init NAME: a unique namespace prefix and a work directory, with cleanup on exit.
vt_init() {
  VT_PREFIX="vt$$${1:0:3}"
  VT_TMP=$(mktemp -d "/tmp/vantage-${1}.XXXXXX")
  trap vt_cleanup EXIT
  trap 'exit 130' INT TERM
  trap 'vt_log "failed: line $LINENO: $BASH_COMMAND"' ERR
}

vt_log() { printf '[%s] %s\n' "$(date +%T.%3N)" "$*" >&2; }

vt_fail() { vt_log "FAIL: $*"; exit 1; }

vt_ns() { echo "${VT_PREFIX}-$1"; }

vt_exec() { local host=$1; shift; ip netns exec "$(vt_ns "$host")" "$@"; }

# vt_switch: a namespace holding bridge br0 (the "switch"); nftables bridge rules go here.
vt_switch() {
  local ns; ns=$(vt_ns sw)
  ip netns add "$ns"; VT_NAMESPACES+=("$ns")
  ip -n "$ns" link set lo up
  ip -n "$ns" link add br0 type bridge stp_state 0 forward_delay 0
  ip -n "$ns" link set br0 address 02:00:00:00:00:fe
  ip -n "$ns" link set br0 up
}

# vt_host NAME CIDR MAC: a namespace with eth0 plugged into the switch as port p-NAME.
vt_host() {
  local name=$1 cidr=$2 mac=$3 ns sw
  ns=$(vt_ns "$name"); sw=$(vt_ns sw)
  ip netns add "$ns"; VT_NAMESPACES+=("$ns")
  ip -n "$ns" link set lo up
  ip link add "vt$$x" type veth peer name "vt$$y"
  ip link set "vt$$x" netns "$ns"
  ip link set "vt$$y" netns "$sw"
  ip -n "$ns" link set "vt$$x" name eth0
  ip -n "$sw" link set "vt$$y" name "p-$name"
  ip -n "$ns" link set eth0 address "$mac"
  ip -n "$sw" link set "p-$name" master br0
  ip -n "$sw" link set "p-$name" up
  ip -n "$ns" addr add "$cidr" dev eth0
  ip -n "$ns" link set eth0 up
}

# vt_bg HOST LOG CMD...: runs CMD in HOST's namespace in the background; records its pid.
vt_bg() {
  local host=$1 log=$2; shift 2
  ip netns exec "$(vt_ns "$host")" "$@" >"$log" 2>&1 &
  VT_PIDS+=("$!")
  VT_LAST_PID=$!
}

# vt_capture HOST IFACE FILE: tcpdump on IFACE in HOST's namespace, waits until it listens.
vt_capture() {
  local host=$1 iface=$2 file=$3 log
  log="$VT_TMP/tcpdump-$host-$(basename "$file").log"
  vt_bg "$host" "$log" tcpdump -i "$iface" -U -s 0 -w "$file" -nn
  local tries=0
  until grep -q "listening on" "$log" 2>/dev/null; do
    tries=$((tries + 1)); [ $tries -gt 100 ] && vt_fail "tcpdump on $host did not start: $(cat "$log")"
    sleep 0.05
  done
}

# vt_stop PID: ends one process this script started (SIGTERM, then SIGKILL after 3 s).
vt_stop() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# vt_keepalived HOST PRIORITY VIP/CIDR [extra global lines]: a VRRP instance on eth0; sets VT_LAST_PID.
vt_keepalived() {
  local host=$1 prio=$2 vip=$3 conf="$VT_TMP/keepalived-$1.conf"
  cat >"$conf" <<CONF
global_defs {
  router_id $host
  enable_script_security
  vrrp_garp_master_delay 1
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority $prio
  advert_int 1
  virtual_ipaddress {
    $vip dev eth0
  }
}
CONF
  vt_bg "$host" "$VT_TMP/keepalived-$host.log" keepalived --dont-fork --log-console --vrrp \
    --use-file "$conf" --pid "$VT_TMP/ka-$host.pid" --vrrp_pid "$VT_TMP/ka-vrrp-$host.pid" \
    --checkers_pid "$VT_TMP/ka-chk-$host.pid"
}

# vt_wait_for TIMEOUT CMD...: polls CMD every 0.1 s until it succeeds.
vt_wait_for() {
  local timeout=$1; shift
  local end=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -ge $end ] && return 1
    sleep 0.1
  done
}

# vt_has_address HOST IP: whether HOST's eth0 holds IP (e.g. a VRRP master holds the VIP).
vt_has_address() { vt_exec "$1" ip -4 -o addr show dev eth0 | grep -q " $2/"; }

vt_cleanup() {
  local status=$? pid ns
  for pid in "${VT_PIDS[@]}"; do vt_stop "$pid"; done
  for ns in "${VT_NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  if [ -n "$VT_TMP" ] && [ "${VT_KEEP_TMP:-0}" != 1 ]; then rm -rf "$VT_TMP"; fi
  return $status
}

# ---------------------------------------------------------------------------------------------
# Scenario helpers: checks with one PASS/FAIL line each, fault verification, the Vantage run.

VT_NAME=""
VT_FAILS=0
VT_CAPTURE_PIDS=()

# vt_scenario NAME: vt_init plus the name printed on each PASS/FAIL line.
vt_scenario() {
  VT_NAME=$1
  vt_init "$1"
  VT_SCENARIO_START=$(vt_now)
}

# vt_now: the time as fractional epoch seconds (the clock tcpdump stamps packets with).
vt_now() { date +%s.%N; }

# vt_pass TEXT / vt_flunk TEXT: one check's line on stdout; a failure is counted (and the work
# directory is kept for a look at the captures).
vt_pass() { printf 'PASS %s: %s\n' "$VT_NAME" "$*"; }
vt_flunk() { printf 'FAIL %s: %s\n' "$VT_NAME" "$*"; VT_FAILS=$((VT_FAILS + 1)); VT_KEEP_TMP=1; }

# vt_verify TEXT CMD...: PASS if CMD succeeds, else FAIL and stop the scenario (the fault did
# not happen as designed, so judging Vantage would be meaningless).
vt_verify() {
  local text=$1; shift
  if "$@" >&2; then vt_pass "$text"; else vt_flunk "$text"; vt_finish; fi
}

# vt_quiet HOST: nothing speaks unasked: no IPv6 (no DAD, MLD or router solicitations) and no
# gratuitous ARP on link up or MAC change (arp_notify=0, the default, made explicit).
vt_quiet() {
  vt_exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
    net.ipv4.conf.all.arp_notify=0 net.ipv4.conf.default.arp_notify=0
  if vt_exec "$1" test -d /proc/sys/net/ipv4/conf/eth0; then
    vt_exec "$1" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1 net.ipv4.conf.eth0.arp_notify=0
  fi
}

# vt_host_quiet NAME CIDR MAC: vt_host whose namespace is made quiet before eth0 comes up
# (CIDR may be empty: no address yet).
vt_host_quiet() {
  local name=$1 cidr=$2 mac=$3 ns sw
  ns=$(vt_ns "$name"); sw=$(vt_ns sw)
  ip netns add "$ns"; VT_NAMESPACES+=("$ns")
  vt_quiet "$name"
  ip -n "$ns" link set lo up
  ip link add "vt$$x" type veth peer name "vt$$y"
  ip link set "vt$$x" netns "$ns"
  ip link set "vt$$y" netns "$sw"
  ip -n "$ns" link set "vt$$x" name eth0
  ip -n "$sw" link set "vt$$y" name "p-$name"
  ip -n "$ns" link set eth0 address "$mac"
  vt_quiet "$name"
  ip -n "$sw" link set "p-$name" master br0
  ip -n "$sw" link set "p-$name" up
  [ -z "$cidr" ] || ip -n "$ns" addr add "$cidr" dev eth0
  ip -n "$ns" link set eth0 up
}

# vt_neigh HOST IP: "MAC STATE" of HOST's eth0 neighbour entry for IP ("- STATE" without a MAC,
# "- NONE" without an entry).
vt_neigh() {
  local line
  line=$(vt_exec "$1" ip neigh show to "$2" dev eth0 | head -n 1)
  [ -n "$line" ] || { echo "- NONE"; return 0; }
  awk '{ mac = "-"; for (i = 1; i <= NF; i++) if ($i == "lladdr") mac = $(i + 1); print mac, $NF }' <<<"$line"
}

# vt_neigh_is HOST IP MAC STATES: whether the entry has MAC ("-" for none) and one of STATES
# (a |-separated list such as "REACHABLE|STALE").
vt_neigh_is() {
  local got; got=$(vt_neigh "$1" "$2")
  [ "${got% *}" = "$3" ] && [[ "|$4|" == *"|${got#* }|"* ]]
}

# vt_capture_start HOST IFACE NAME: a vantage point NAME capturing into $VT_TMP/NAME.pcap, in
# immediate mode (so that stopping it loses no frame still waiting in the kernel's ring buffer).
vt_capture_start() {
  local host=$1 iface=$2 name=$3 log="$VT_TMP/tcpdump-$3.log"
  vt_bg "$host" "$log" tcpdump -i "$iface" --immediate-mode -U -s 0 -w "$VT_TMP/$name.pcap" -nn
  VT_CAPTURE_PIDS+=("$VT_LAST_PID")
  vt_wait_log 10 "$log" "listening on" || vt_fail "tcpdump on $host did not start: $(cat "$log")"
}

# vt_capture_stop: ends every capture (tcpdump writes out what it holds on SIGTERM).
vt_capture_stop() {
  local pid
  for pid in "${VT_CAPTURE_PIDS[@]}"; do vt_stop "$pid"; done
  VT_CAPTURE_PIDS=()
}

# vt_frames NAME FILTER: how many frames of vantage NAME's capture match the pcap FILTER.
vt_frames() { tcpdump -nn -r "$VT_TMP/$1.pcap" "$2" 2>/dev/null | wc -l; }

# vt_frames_at_least N NAME FILTER / vt_frames_none NAME FILTER: conditions for vt_verify.
vt_frames_at_least() { [ "$(vt_frames "$2" "$3")" -ge "$1" ]; }
vt_frames_none() { [ "$(vt_frames "$1" "$2")" -eq 0 ]; }

# vt_show NAME FILTER: the matching frames as tcpdump -e prints them (for the log).
vt_show() { tcpdump -nn -e -r "$VT_TMP/$1.pcap" "$2" 2>/dev/null | sed 's/^/    /' >&2 || true; }

# vt_analyze SPEC: runs Scenarios/check.py on SPEC (Vantage from $VANTAGE, default the debug
# build), counting its failures. A missing `analyze` subcommand is a SKIP unless
# VT_REQUIRE_ANALYZE=1.
vt_analyze() {
  local rc=0
  VANTAGE=${VANTAGE:-$VT_ROOT/.build/debug/vantage} python3 "$VT_ROOT/Scenarios/check.py" "$1" || rc=$?
  case $rc in
    0) ;;
    3) VT_SKIPPED=1 ;;
    *) VT_FAILS=$((VT_FAILS + 1)); VT_KEEP_TMP=1 ;;
  esac
}

# vt_finish: the scenario's verdict; exits 1 on any failure, 3 if Vantage could not be judged.
vt_finish() {
  local took
  took=$(python3 -c "print('%.1f' % ($(vt_now) - ${VT_SCENARIO_START:-0}))")
  if [ "$VT_FAILS" -gt 0 ]; then
    vt_log "$VT_NAME: $VT_FAILS check(s) failed in ${took} s; captures and logs kept in $VT_TMP"
    exit 1
  fi
  if [ "${VT_SKIPPED:-0}" = 1 ]; then vt_log "$VT_NAME: traffic verified, Vantage not judged (${took} s)"; exit 3; fi
  vt_log "$VT_NAME: all checks passed in ${took} s"
  exit 0
}

# vt_wait_log TIMEOUT FILE PATTERN: waits until FILE (a vt_bg log) holds PATTERN.
vt_wait_log() { vt_wait_for "$1" grep -q "$3" "$2"; }

# vt_peers HOST ARGS...: runs Scenarios/peers.py ARGS in HOST's namespace (foreground).
vt_peers() { local host=$1; shift; vt_exec "$host" python3 "$VT_ROOT/Scenarios/peers.py" "$@"; }

# vt_frames_since NAME T FILTER: how many frames of vantage NAME matching FILTER were captured
# at or after epoch time T.
vt_frames_since() { vt_frames_between "$1" "$2" 1e18 "$3"; }

# vt_frames_since_at_least N NAME T FILTER / vt_frames_since_none NAME T FILTER: for vt_verify.
vt_frames_since_at_least() { [ "$(vt_frames_since "$2" "$3" "$4")" -ge "$1" ]; }
vt_frames_since_none() { [ "$(vt_frames_since "$1" "$2" "$3")" -eq 0 ]; }

# vt_nft_sw RULESET: loads an nftables ruleset (text) into the switch namespace.
vt_nft_sw() { ip netns exec "$(vt_ns sw)" nft -f - <<<"$1"; }

# vt_switch_quiet: like vt_switch, but the switch says nothing itself: no IPv6 on the bridge or
# its ports, and no multicast snooping (which would make br0 join 224.0.0.106 and send IGMP
# reports). Multicast (VRRP) is flooded to every port.
vt_switch_quiet() {
  local ns; ns=$(vt_ns sw)
  ip netns add "$ns"; VT_NAMESPACES+=("$ns")
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n "$ns" link set lo up
  ip -n "$ns" link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0
  ip -n "$ns" link set br0 address 02:00:00:00:00:fe
  ip -n "$ns" link set br0 up
}

# vt_keepalived_pair VIP/PREFIX: keepalived on gw1 (priority 150) and gw2 (100) for the VIP;
# waits until gw1 is master holding it and gw2 is BACKUP, then until gw1's second gratuitous-ARP
# burst (vrrp_garp_master_delay 1) is out, so clients start on a settled pair. Sets
# VT_KEEPALIVED_GW1 to gw1's keepalived pid.
vt_keepalived_pair() {
  local vip=${1%/*}
  vt_keepalived gw1 150 "$1"
  VT_KEEPALIVED_GW1=$VT_LAST_PID
  vt_verify "gw1 became VRRP master and holds $vip" vt_wait_for 15 vt_has_address gw1 "$vip"
  vt_keepalived gw2 100 "$1"
  vt_verify "gw2 entered BACKUP" vt_wait_log 15 "$VT_TMP/keepalived-gw2.log" "Entering BACKUP STATE"
  sleep 1.2
}

# vt_nft_count TABLE: packets counted by the `counter` of the switch's bridge table TABLE.
vt_nft_count() {
  ip netns exec "$(vt_ns sw)" nft list table bridge "$1" | awk '/counter/ { for (i = 1; i <= NF; i++) if ($i == "packets") print $(i + 1) }'
}

# vt_ge A B / vt_le A B: A >= B / A <= B for decimal numbers (conditions for vt_verify).
vt_ge() { python3 -c "import sys; sys.exit(0 if float('$1') >= float('$2') else 1)"; }
vt_le() { python3 -c "import sys; sys.exit(0 if float('$1') <= float('$2') else 1)"; }

# vt_heartbeat_mesh PREFIX PORT INTERVAL NODE...: a heartbeat_peer.py on each host nNODE, bound
# to PREFIX NODE (e.g. "10.40.3." or "fd00:40:6::" followed by the node number) and sending to
# every other node every INTERVAL seconds; VT_HEARTBEAT_PEER[NODE] holds each peer's pid.
declare -A VT_HEARTBEAT_PEER
vt_heartbeat_mesh() {
  local prefix=$1 port=$2 interval=$3 i j peers; shift 3
  for i in "$@"; do
    peers=()
    for j in "$@"; do [ "$i" = "$j" ] || peers+=("$prefix$j"); done
    vt_bg "n$i" "$VT_TMP/peer-n$i.log" python3 "$VT_ROOT/Scenarios/heartbeat_peer.py" "$prefix$i" "$port" "$interval" "${peers[@]}"
    VT_HEARTBEAT_PEER[$i]=$VT_LAST_PID
    vt_wait_log 5 "$VT_TMP/peer-n$i.log" sending || vt_fail "heartbeat peer on n$i did not start: $(cat "$VT_TMP/peer-n$i.log")"
    sleep 0.3
  done
}

# vt_static_mesh PREFIX MAC_PREFIX NODE...: on each host nNODE, a permanent neighbour entry for
# every other node's PREFIX NODE at MAC_PREFIX NODE (IPv4 or IPv6: no ARP/NDP for them at all).
vt_static_mesh() {
  local prefix=$1 mac_prefix=$2 i j; shift 2
  for i in "$@"; do
    for j in "$@"; do
      [ "$i" = "$j" ] || vt_exec "n$i" ip neigh replace "$prefix$j" lladdr "$mac_prefix$j" dev eth0 nud permanent
    done
  done
}

# vt_freeze PID SECONDS: stops process PID (SIGSTOP) for SECONDS, then continues it; the epoch
# times of the stop and the continue are left in VT_FREEZE_START and VT_FREEZE_END.
vt_freeze() {
  VT_FREEZE_START=$(vt_now)
  kill -STOP "$1"
  sleep "$2"
  kill -CONT "$1"
  VT_FREEZE_END=$(vt_now)
}

# vt_frames_between NAME T0 T1 FILTER: how many frames of vantage NAME matching FILTER were
# captured within epoch times [T0, T1].
vt_frames_between() {
  tcpdump -tt -nn -r "$VT_TMP/$1.pcap" "$4" 2>/dev/null | awk -v a="$2" -v b="$3" '$1 >= a && $1 <= b' | wc -l
}

# vt_longest_gap NAME FILTER T0 T1: the longest time (s, 6 decimals) between consecutive frames of
# vantage NAME matching FILTER, among the gaps that overlap epoch times [T0, T1] (0 without any).
vt_longest_gap() {
  tcpdump -tt -nn -r "$VT_TMP/$1.pcap" "$2" 2>/dev/null | python3 -c "
import sys
t = sorted(float(line.split()[0]) for line in sys.stdin if line.strip())
print('%.6f' % max([b - a for a, b in zip(t, t[1:]) if b >= $3 and a <= $4] or [0]))"
}
