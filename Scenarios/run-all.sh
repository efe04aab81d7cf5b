#!/usr/bin/env bash
# Runs every real-traffic scenario (Scenarios/*-*.sh but lib.sh and this file), one after the
# other, prints each one's PASS/FAIL lines as they come and a summary table, and exits 1 if any
# scenario failed.
#
# Usage (root): Scenarios/run-all.sh [NAME-GLOB...]     e.g. Scenarios/run-all.sh 'control-*'
# Environment: VANTAGE (binary; default .build/debug/vantage), VT_REQUIRE_ANALYZE=1 (a missing
# `vantage analyze` fails instead of skipping), VT_SCENARIO_TIMEOUT (seconds each, default 120).
set -uo pipefail
dir=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$dir/.." && pwd)
[ "$(id -u)" = 0 ] || { echo "run-all: scenarios need root (network namespaces)" >&2; exit 2; }
export VANTAGE=${VANTAGE:-$root/.build/debug/vantage}
timeout_s=${VT_SCENARIO_TIMEOUT:-120}
logs=$(mktemp -d /tmp/vantage-scenarios.XXXXXX)

scripts=()
for script in "$dir"/[0-9a-z]*-*.sh; do
  name=$(basename "$script" .sh)
  case $name in lib | run-all) continue ;; esac
  if [ $# -gt 0 ]; then
    wanted=0
    for glob in "$@"; do [[ $name == $glob ]] && wanted=1; done
    [ $wanted = 1 ] || continue
  fi
  scripts+=("$script")
done
[ ${#scripts[@]} -gt 0 ] || { echo "run-all: no scenario matches $*" >&2; exit 2; }

results=()
failed=0
total_start=$(date +%s.%N)
for script in "${scripts[@]}"; do
  name=$(basename "$script" .sh)
  echo "== $name"
  start=$(date +%s.%N)
  timeout --signal=TERM --kill-after=15 "$timeout_s" bash "$script" 2>"$logs/$name.log" | tee "$logs/$name.out"
  rc=${PIPESTATUS[0]}
  took=$(python3 -c "print('%.1f' % ($(date +%s.%N) - $start))")
  passes=$(grep -c '^PASS ' "$logs/$name.out")
  fails=$(grep -c '^FAIL ' "$logs/$name.out")
  case $rc in
    0) verdict=PASS ;;
    3) verdict=SKIP ;;
    124 | 137) verdict=FAIL; echo "FAIL $name: timed out after $timeout_s s" ;;
    *) verdict=FAIL ;;
  esac
  if [ $verdict = FAIL ]; then
    failed=$((failed + 1))
    echo "-- $name: last lines of its log ($logs/$name.log):"
    tail -n 25 "$logs/$name.log" | sed 's/^/   /'
  fi
  results+=("$(printf '%-34s %-5s %6s s  %3s pass %3s fail' "$name" "$verdict" "$took" "$passes" "$fails")")
done
total=$(python3 -c "print('%.1f' % ($(date +%s.%N) - $total_start))")

echo
echo "== scenario summary (vantage: $VANTAGE; logs: $logs)"
printf '%s\n' "${results[@]}"
echo "total ${total} s; ${#scripts[@]} scenario(s), $failed failed"
[ $failed -eq 0 ] || exit 1
rm -rf "$logs"
