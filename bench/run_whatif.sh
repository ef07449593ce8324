#!/usr/bin/env bash
# The what-if matrix benchmark (issue 14): 7 load predictors x 4 policies x 2 cadences on the
# GPT-OSS-20B trace, continuous batching B=256, 4 ranks, 40 slots; its wall time as a ratio to
# one combination's (last x eplb every 50, plus the bounds) timed in the same run; the whole
# matrix into bench/results/<date>-<machine>-whatif.md.
# Usage: bench/run_whatif.sh [build-dir]   (default build/release; run scripts/setup.sh first)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/release}
cli=$build/app/moe-workbench-cli
cmake --build "$build" -j2 --target moe-workbench-cli >/dev/null
cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
machine=$(echo "${cpu:-cpu}" | tr -cs 'A-Za-z0-9' '-' | sed 's/-$//' | cut -c1-40)
out=$root/bench/results/$(date +%F)-$machine-whatif.md
csv=$(mktemp)
trap 'rm -f "$csv"' EXIT
common=(whatif -w trace:gpt-oss-20b -B 256 --slots 40 -G 4)
seconds() {
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b - a}'
}
one=$(seconds "$cli" "${common[@]}" -p last --policy eplb --every 50 --format csv)
matrix_args=(-p last -p ema -p sw_avg -p sw_avg:window=10 -p dist_only -p arima -p lstm
             --policy eplb --policy gps --policy fastermoe --policy harmoeny --every 1 --every 50)
all=$(seconds "$cli" "${common[@]}" "${matrix_args[@]}" --format csv -o "$csv")
ratio=$(awk -v a="$all" -v b="$one" 'BEGIN{printf "%.1f", a / b}')
{
  echo "# What-if matrix, $(date +%F)"
  echo
  echo "Machine: $cpu, $(nproc) hardware threads. Commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)."
  echo "Command: \`bench/run_whatif.sh\` (\`moe-workbench-cli ${common[*]} ${matrix_args[*]}\`)."
  echo
  echo "| measure | value | goal |"
  echo "|---|---|---|"
  echo "| one combination (last x eplb every 50, with both bounds) | ${one} s | reference |"
  echo "| whole matrix, 7 x 4 x 2 = 56 combinations and 5 bounds | ${all} s | under 10 s |"
  echo "| matrix / one combination | ${ratio} | |"
  echo
  echo "The matrix (slowest/ideal: the slowest rank's pairs over pairs/ranks, mean over steps and"
  echo "layers; gap closed against the same policy's oracle; per step: experts moved, MiB copied,"
  echo "modelled ms at 400 TFLOP/s per rank and 50 GB/s copies):"
  echo
  echo "| predictor | policy | every | slowest/ideal | gap closed | moved | MiB | predictor us | modelled ms |"
  echo "|---|---|---|---|---|---|---|---|---|"
  awk -F, 'NR>1{printf "| %s | %s | %s | %.4f | %.1f%% | %.2f | %.1f | %.1f | %.2f |\n",$1,$2,$3,$4,100*$5,$6,$7/1048576,$8,$9}' "$csv"
} > "$out"
echo "written: $out"
