#!/usr/bin/env bash
# The long fuzz run of issue 17: every libFuzzer target for SECONDS (default 600, ten minutes)
# on the asan build, two at a time on this 2-core machine, and its counts (executions,
# crashes, hangs, OOMs, leaks) into bench/results/<date>-<machine>-fuzz.md. What it finds lands
# in build/asan/findings/<target>/ (scripts/fuzz.sh says how to replay it).
# Usage: bench/run_fuzz.sh [SECONDS]   (FUZZ_TARGETS="a b" picks targets)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-600}
cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
machine=$(echo "${cpu:-cpu}" | tr -cs 'A-Za-z0-9' '-' | sed 's/-$//' | cut -c1-40)
out=$root/bench/results/$(date +%F)-$machine-fuzz.md
log=$(mktemp)
trap 'rm -f "$log"' EXIT
start=$(date +%s)
FUZZ_JOBS=${FUZZ_JOBS:-2} bash "$root/scripts/fuzz.sh" "$seconds" | tee "$log"
status=${PIPESTATUS[0]}
{
    echo "# Fuzzing, $(date +%F), $cpu"
    echo
    echo "Each libFuzzer target for $seconds s (bench/run_fuzz.sh: clang 14, ASan + UBSan, fork"
    echo "mode, 256 MB malloc limit, 2 GB RSS limit, 10 s per input; ${FUZZ_JOBS:-2} targets at a"
    echo "time), seeded with fuzz/corpus. Commit $(git -C "$root" rev-parse --short HEAD); wall"
    echo "time $(( $(date +%s) - start )) s."
    echo
    echo "| target | executions | crashes | hangs | OOMs | leaks |"
    echo "|---|---|---|---|---|---|"
    sed -nE 's/^(fuzz_[a-z_]+) +executions +([0-9]+) +crashes +([0-9]+) +hangs +([0-9]+) +ooms +([0-9]+) +leaks +([0-9]+).*/| \1 | \2 | \3 | \4 | \5 | \6 |/p' "$log"
} >"$out"
cat "$out"
exit "$status"
