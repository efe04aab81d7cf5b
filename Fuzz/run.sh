#!/usr/bin/env bash
# Builds every libFuzzer target and runs each for FUZZ_SECONDS (default 60). New inputs go to a
# scratch directory; the committed seed corpus is only read. Any crash fails the run, and the
# crashing input is kept under Fuzz/bin/crashes/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
Fuzz/build.sh >/dev/null
mkdir -p Fuzz/bin/crashes
status=0
for target in Fuzz/bin/*-fuzz; do
  name=$(basename "$target" -fuzz)
  scratch=$(mktemp -d "/tmp/vantage-fuzz-$name.XXXXXX")
  seeds=()
  [ -d "Fuzz/corpus/$name" ] && seeds=("Fuzz/corpus/$name")
  echo "fuzz: $name for ${seconds}s"
  if ! "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
      -artifact_prefix=Fuzz/bin/crashes/"$name"- -print_final_stats=1 \
      "$scratch" "${seeds[@]}" >"Fuzz/bin/$name.log" 2>&1; then
    echo "fuzz: $name FAILED; see Fuzz/bin/$name.log and Fuzz/bin/crashes/"
    tail -n 30 "Fuzz/bin/$name.log"
    status=1
  else
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "Fuzz/bin/$name.log" | sed "s/^/fuzz: $name /"
  fi
  rm -rf "$scratch"
done
exit $status
