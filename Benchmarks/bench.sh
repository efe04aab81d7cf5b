#!/usr/bin/env bash
# Benchmarks/bench.sh: the script behind `make bench`.
#
# Builds release, generates deterministic synthetic captures (1M and 10M frames by default),
# and measures, on the same warm page cache and in the same run: three C read loops (the
# floor), tcpdump, tshark, and Vantage's `decode --stats` and `analyze` when the binary has
# them. Prints a Markdown table and the target verdicts, and writes both to
# Benchmarks/results.md. See Benchmarks/README.md.
#
# Environment:
#   BENCH_SIZES="1000000 10000000"  frame counts to generate and measure
#   BENCH_RUNS=N       runs per tool, best wall time kept (default 3 below 5M frames, else 1)
#   BENCH_TSHARK=0     skip tshark (10M frames: about a minute and ~11 GB RSS)
#   BENCH_DIR=DIR      where captures and loop binaries go (default: a new /tmp/vantage-bench.*);
#                      everything the script creates there is deleted at exit
#   BENCH_SEED=S       generator seed (default 1)
#   BENCH_STRICT=1     exit 1 if a target verdict is FAIL
#   BENCH_SKIP_BUILD=1 use the existing .build/release binaries
#   BENCH_VANTAGE=PATH measure this vantage binary instead of .build/release/vantage
# Needs (installs nothing): swift, cc, GNU time (/usr/bin/time, Debian package `time`),
# libpcap-dev, tcpdump, tshark (unless BENCH_TSHARK=0).

set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_SRC="$ROOT/Benchmarks"
SIZES=${BENCH_SIZES:-"1000000 10000000"}
TSHARK_ON=${BENCH_TSHARK:-1}
SEED=${BENCH_SEED:-1}
STRICT=${BENCH_STRICT:-0}
RESULTS="$BENCH_SRC/results.md"
GEN="$ROOT/.build/release/vantage-benchgen"
VANTAGE=${BENCH_VANTAGE:-"$ROOT/.build/release/vantage"}

say() { printf '%s\n' "$*" >&2; }
die() { say "bench: $*"; exit 1; }

# ---------------------------------------------------------------- prerequisites
missing=()
command -v swift >/dev/null 2>&1 || missing+=("swift (the Swift toolchain)")
command -v cc >/dev/null 2>&1 || missing+=("cc (Debian package gcc or build-essential)")
if ! [[ -x /usr/bin/time ]] || ! /usr/bin/time -f '%e %M' true >/dev/null 2>&1; then
    missing+=("/usr/bin/time with -f (Debian package time)")
fi
command -v tcpdump >/dev/null 2>&1 || missing+=("tcpdump (Debian package tcpdump)")
if [[ $TSHARK_ON != 0 ]] && ! command -v tshark >/dev/null 2>&1; then
    missing+=("tshark (Debian package tshark; or run with BENCH_TSHARK=0)")
fi
if ((${#missing[@]})); then
    say "bench: missing prerequisites (this script installs nothing; 'make deps', run by 'make bench', installs them):"
    for m in "${missing[@]}"; do say "  - $m"; done
    exit 1
fi
((BASH_VERSINFO[0] >= 5)) || die "needs bash >= 5 (EPOCHREALTIME)"

# ---------------------------------------------------------------- scratch space
if [[ -n ${BENCH_DIR:-} ]]; then
    mkdir -p "$BENCH_DIR"
    WORK=$(mktemp -d "$BENCH_DIR/vantage-bench.XXXXXX")
else
    WORK=$(mktemp -d /tmp/vantage-bench.XXXXXX)
fi
cleanup() { rm -rf -- "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

need_bytes=0
for n in $SIZES; do
    [[ $n =~ ^[0-9]+$ ]] || die "BENCH_SIZES must be frame counts, got '$n'"
    need_bytes=$((need_bytes > n * 700 ? need_bytes : n * 700))
done
avail_kb=$(df -Pk "$WORK" | awk 'NR == 2 { print $4 }')
if ((avail_kb * 1024 < need_bytes + (1 << 30))); then
    die "not enough space in $WORK: need about $((need_bytes / 1000000)) MB + 1 GB, have $((avail_kb / 1024)) MiB (set BENCH_DIR)"
fi

# ---------------------------------------------------------------- build
if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
    say "bench: swift build -c release"
    if ! (cd "$ROOT" && swift build -c release >"$WORK/build.log" 2>&1); then
        tail -n 30 "$WORK/build.log" >&2
        say "bench: the full release build failed; building only the generator (Vantage rows will be 'not available')"
        (cd "$ROOT" && swift build -c release --product vantage-benchgen >"$WORK/build.log" 2>&1) \
            || { tail -n 30 "$WORK/build.log" >&2; die "cannot build vantage-benchgen"; }
        VANTAGE="$WORK/no-vantage"
    fi
fi
[[ -x $GEN ]] || die "missing $GEN"

say "bench: compiling the C loops (cc -O2)"
cc -O2 -o "$WORK/readloop" "$BENCH_SRC/readloop.c" || die "cannot compile readloop.c"
cc -O2 -o "$WORK/mmaploop" "$BENCH_SRC/mmaploop.c" || die "cannot compile mmaploop.c"
cc -O2 -o "$WORK/pcaploop" "$BENCH_SRC/pcaploop.c" -lpcap 2>"$WORK/cc.log" \
    || { cat "$WORK/cc.log" >&2; die "cannot compile pcaploop.c: install libpcap-dev (Debian package libpcap-dev)"; }

# ---------------------------------------------------------------- Vantage capability probes
"$GEN" --frames 1000 --out "$WORK/smoke.pcap" --seed "$SEED" 2>/dev/null
declare -A VSUPPORT VREASON
probe() { # probe SUBCOMMAND OKCODES ARGS... : can this binary run `vantage SUBCOMMAND ARGS`?
    local sub=$1 ok=$2 help status
    shift 2
    VSUPPORT[$sub]=0
    if [[ ! -x $VANTAGE ]]; then VREASON[$sub]="no binary"; return; fi
    if ! help=$("$VANTAGE" "$sub" --help 2>&1) || ! grep -qi 'usage' <<<"$help"; then
        VREASON[$sub]="no '$sub' subcommand"; return
    fi
    if [[ $sub == decode ]] && ! grep -q -- '--stats' <<<"$help"; then
        VREASON[$sub]="no --stats option"; return
    fi
    set +e
    "$VANTAGE" "$sub" "$@" "$WORK/smoke.pcap" >/dev/null 2>"$WORK/probe.err"
    status=$?
    set -e
    if [[ " $ok " != *" $status "* ]]; then
        VREASON[$sub]="exit $status on a 1000-frame capture: $(head -c 200 "$WORK/probe.err" | tr '\n' ' ')"
        return
    fi
    VSUPPORT[$sub]=1
}
probe decode "0" --stats
probe analyze "0 1"  # exit 1 = findings (architecture.md, convention 10)
for sub in decode analyze; do
    [[ ${VSUPPORT[$sub]} == 1 ]] || say "bench: vantage $sub: not available (${VREASON[$sub]})"
done

# ---------------------------------------------------------------- measurement
declare -A WALL RSS STATE SIZE
ORDER=(readloop mmaploop pcaploop tcpdump tshark decode analyze)
declare -A LABEL=(
    [readloop]="read() 1 MiB loop (C)"
    [mmaploop]="mmap loop (C)"
    [pcaploop]="libpcap pcap_next_ex loop (C)"
    [tcpdump]="tcpdump -nn -r F -w /dev/null"
    [tshark]="tshark -r F -q -z expert"
    [decode]="vantage decode --stats F"
    [analyze]="vantage analyze F"
)
GENLINES=()

# measure KEY FRAMES FILE RUNS OKCODES CMD...: best wall time (EPOCHREALTIME around
# /usr/bin/time, ms resolution) and the largest peak RSS (/usr/bin/time %M) over RUNS runs.
measure() {
    local key=$1 frames=$2 file=$3 runs=$4 ok=$5 status wall best="" rss=0 line e m
    shift 5
    say "bench: $frames frames: ${LABEL[${key#*|}]}"
    cat "$file" >/dev/null  # warm the page cache
    for ((r = 1; r <= runs; r++)); do
        local t0=$EPOCHREALTIME
        set +e
        /usr/bin/time -f '%e %M' -o "$WORK/time.txt" "$@" >"$WORK/out.txt" 2>"$WORK/err.txt"
        status=$?
        set -e
        local t1=$EPOCHREALTIME
        if [[ " $ok " != *" $status "* ]]; then
            say "bench:   FAILED with exit $status: $(head -c 300 "$WORK/err.txt")"
            STATE[$key]="failed (exit $status)"
            return
        fi
        line=$(tail -n 1 "$WORK/time.txt")
        read -r e m <<<"$line"
        wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
        if [[ -z $best ]] || awk -v w="$wall" -v b="$best" 'BEGIN { exit !(w < b) }'; then best=$wall; fi
        ((m > rss)) && rss=$m
        say "bench:   run $r: ${wall} s, ${m} KB"
    done
    WALL[$key]=$best
    RSS[$key]=$rss
    STATE[$key]=ok
}

# check_count KEY FRAMES: the C loops print frames=N; it must be FRAMES.
check_count() {
    local got
    got=$(sed -n 's/.*frames=\([0-9]*\).*/\1/p' "$WORK/out.txt")
    if [[ ${STATE[$1]} == ok && $got != "$2" ]]; then
        say "bench:   WRONG frame count: $got, expected $2"
        STATE[$1]="wrong count ($got)"
    fi
}

for n in $SIZES; do
    runs=${BENCH_RUNS:-$((n < 5000000 ? 3 : 1))}
    f="$WORK/bench-$n.pcap"
    say "bench: generating $n frames"
    t0=$EPOCHREALTIME
    "$GEN" --frames "$n" --out "$f" --seed "$SEED" 2>"$WORK/gen.txt" || { cat "$WORK/gen.txt" >&2; die "generator failed"; }
    t1=$EPOCHREALTIME
    size=$(stat -c %s "$f")
    gen=$(awk -v a="$t0" -v b="$t1" -v s="$size" -v n="$n" \
        'BEGIN { printf "generator: %d frames, %.0f MB in %.2f s = %.0f MB/s (seed '"$SEED"')", n, s / 1e6, b - a, s / 1e6 / (b - a) }')
    say "bench: $gen"
    GENLINES+=("$gen")
    SIZE[$n]=$size

    measure "$n|readloop" "$n" "$f" "$runs" 0 "$WORK/readloop" "$f"; check_count "$n|readloop" "$n"
    measure "$n|mmaploop" "$n" "$f" "$runs" 0 "$WORK/mmaploop" "$f"; check_count "$n|mmaploop" "$n"
    measure "$n|pcaploop" "$n" "$f" "$runs" 0 "$WORK/pcaploop" "$f"; check_count "$n|pcaploop" "$n"
    measure "$n|tcpdump" "$n" "$f" "$runs" 0 tcpdump -nn -r "$f" -w /dev/null
    if [[ $TSHARK_ON != 0 ]]; then
        measure "$n|tshark" "$n" "$f" "$runs" 0 tshark -r "$f" -q -z expert
        if grep -qi malformed "$WORK/out.txt"; then
            say "bench:   WARNING: tshark reports Malformed packets in the generated capture:"
            grep -i malformed "$WORK/out.txt" >&2 || true
        fi
    else
        STATE["$n|tshark"]="skipped (BENCH_TSHARK=0)"
    fi
    if [[ ${VSUPPORT[decode]} == 1 ]]; then
        measure "$n|decode" "$n" "$f" "$runs" 0 "$VANTAGE" decode --stats "$f"
    else
        STATE["$n|decode"]="not available"
    fi
    if [[ ${VSUPPORT[analyze]} == 1 ]]; then
        measure "$n|analyze" "$n" "$f" "$runs" "0 1" "$VANTAGE" analyze "$f"
    else
        STATE["$n|analyze"]="not available"
    fi
    rm -f -- "$f"
done

# ---------------------------------------------------------------- report
human_frames() { awk -v n="$1" 'BEGIN { if (n % 1000000 == 0) printf "%dM", n / 1e6; else if (n % 1000 == 0) printf "%dk", n / 1e3; else printf "%d", n }'; }

table() {
    echo "| tool | frames | wall s | frames/s | MB/s | peak RSS MB | × tcpdump |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    for n in $SIZES; do
        local hf base=${WALL["$n|tcpdump"]:-}
        hf=$(human_frames "$n")
        for t in "${ORDER[@]}"; do
            local k="$n|$t"
            if [[ ${STATE[$k]:-} == ok ]]; then
                awk -v l="${LABEL[$t]}" -v hf="$hf" -v n="$n" -v s="${SIZE[$n]}" -v w="${WALL[$k]}" \
                    -v r="${RSS[$k]}" -v b="$base" 'BEGIN {
                        ww = (w > 0 ? w : 0.001)
                        ratio = (b != "" && b > 0) ? sprintf("%.2f×", w / b) : "–"
                        printf "| %s | %s | %.3f | %.2fM | %.0f | %.1f | %s |\n", l, hf, w, n / ww / 1e6, s / 1e6 / ww, r / 1024, ratio
                    }'
            else
                echo "| ${LABEL[$t]} | $hf | ${STATE[$k]:-not run} | | | | |"
            fi
        done
    done
}

# ratio_verdict TOOL LIMIT: PASS if TOOL's wall / tcpdump's wall <= LIMIT at the largest size
# measured (the production-like one; smaller sizes are listed for information).
ratio_verdict() {
    local t=$1 limit=$2 parts=() r="" n x largest=0
    for n in $SIZES; do
        [[ ${STATE["$n|$t"]:-} == ok && ${STATE["$n|tcpdump"]:-} == ok ]] || continue
        x=$(awk -v a="${WALL["$n|$t"]}" -v b="${WALL["$n|tcpdump"]}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 999) }')
        parts+=("$(human_frames "$n"): ${x}×")
        if ((n > largest)); then largest=$n; r=$x; fi
    done
    [[ -n $r ]] || { echo NA; return; }
    local list
    list=$(IFS=,; echo "${parts[*]}" | sed 's/,/, /g')
    if awk -v r="$r" -v l="$limit" 'BEGIN { exit !(r <= l) }'; then echo "PASS ($list)"; else echo "FAIL ($list)"; fi
}

# rss_verdict TOOL OP LIMIT_MB: PASS if the largest peak RSS over all sizes satisfies OP LIMIT.
rss_verdict() {
    local t=$1 op=$2 limit=$3 max=-1 n
    for n in $SIZES; do
        [[ ${STATE["$n|$t"]:-} == ok ]] || continue
        ((RSS["$n|$t"] > max)) && max=${RSS["$n|$t"]}
    done
    ((max >= 0)) || { echo NA; return; }
    awk -v m="$max" -v l="$limit" -v op="$op" 'BEGIN {
        mb = m / 1024; ok = (op == "<") ? (mb < l) : (mb <= l)
        printf "%s (max %.1f MB)", ok ? "PASS" : "FAIL", mb }'
}

# linear_verdict: analyze time ratio largest/smallest size vs the frame ratio (PASS if <= 1.2x it).
linear_verdict() {
    local small="" large=""
    local n
    for n in $SIZES; do
        [[ ${STATE["$n|analyze"]:-} == ok ]] || continue
        [[ -z $small || $n -lt $small ]] && small=$n
        [[ -z $large || $n -gt $large ]] && large=$n
    done
    if [[ -z $small || $small == "$large" ]]; then echo "NA (needs analyze at two sizes)"; return; fi
    awk -v ts="${WALL["$small|analyze"]}" -v tl="${WALL["$large|analyze"]}" -v ns="$small" -v nl="$large" \
        -v hs="$(human_frames "$small")" -v hl="$(human_frames "$large")" 'BEGIN {
        r = (ts > 0 ? tl / ts : 999); f = nl / ns
        printf "%s (%s/%s time ratio %.2f for %.0f× the frames)", (r <= 1.2 * f) ? "PASS" : "FAIL", hl, hs, r, f }'
}

verdicts() {
    echo "- decode ≤ 0.6× tcpdump: $(ratio_verdict decode 0.6)"
    echo "- decode RSS < 64 MB: $(rss_verdict decode '<' 64)"
    echo "- analyze ≤ 1.0× tcpdump: $(ratio_verdict analyze 1.0)"
    echo "- analyze RSS ≤ 128 MB: $(rss_verdict analyze '<=' 128)"
    echo "- analyze linear in frames: $(linear_verdict)"
}

environment() {
    local cpu
    cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); host: ${cpu:-unknown CPU}, $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM, kernel $(uname -r)"
    echo "- $(tcpdump --version 2>&1 | head -n 1), $(tcpdump --version 2>&1 | sed -n 2p)"
    [[ $TSHARK_ON != 0 ]] && echo "- $(tshark --version 2>/dev/null | head -n 1)"
    echo "- $(swift --version 2>/dev/null | head -n 1)"
    echo "- runs per tool: ${BENCH_RUNS:-3 below 5M frames, 1 from 5M} (best wall time, largest peak RSS); page cache warm (cat F > /dev/null before each tool)"
    for g in "${GENLINES[@]}"; do echo "- $g"; done
}

{
    echo "# Vantage benchmark results"
    echo
    echo "Written by \`Benchmarks/bench.sh\` (\`make bench\`); see Benchmarks/README.md."
    echo
    table
    echo
    verdicts
    echo
    environment
} >"$RESULTS.tmp"
mv "$RESULTS.tmp" "$RESULTS"

echo
table
echo
verdicts
echo
environment
echo
say "bench: wrote $RESULTS"

if [[ $STRICT == 1 ]] && verdicts | grep -q ': FAIL'; then exit 1; fi
exit 0
