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
