#!/usr/bin/env bash
# Runs `vantage analyze` on every bundled incident (Examples/incidents.tsv), one after the other,
# each under its title. Exit 0 when every run ended with 0 or 1 (findings), 2 otherwise.
#
# Usage: Examples/analyze-all.sh [VANTAGE-BINARY] [ANALYZE-OPTIONS...]
set -uo pipefail
dir=$(cd "$(dirname "$0")" && pwd)
vantage=${1:-$dir/../.build/release/vantage}
shift || true
status=0
while IFS=$'\t' read -r id title captures; do
  case $id in '#'* | '') continue ;; esac
  args=()
  for capture in $captures; do args+=("${capture%%=*}=$dir/${capture#*=}"); done
  if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
  printf '\n%s== %s%s\n   (%s: vantage analyze %s)\n\n' "$bold" "$title" "$plain" "$id" "$captures"
  "$vantage" analyze "$@" "${args[@]}" </dev/null
  rc=$?
  [ $rc -le 1 ] || status=2
done <"$dir/incidents.tsv"
exit $status
