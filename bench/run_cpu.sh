#!/usr/bin/env bash
# Runs every CPU benchmark of a release build and writes their results, each a ratio to a
# reference measured in the same run, to bench/results/<date>-<machine>-cpu.md.
# Usage: bench/run_cpu.sh [build-dir [tag 'bench args...' ...]]   (default build/release; run
#        scripts/setup.sh first). With a tag, only the listed benchmark commands run, into
#        bench/results/<date>-<machine>-<tag>.md; e.g. the CPU engine's (issue 18):
#        bench/run_cpu.sh build/release engine bench_moe_layer 'bench_decode 4' \
#          'bench_decode 20 128 352' 'bench_policy_runs 100 25 256' bench_expert_call \
#          'bench_expert_call 1024 2816 24 200'

set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/release}
tag=${2:-cpu}
command="bench/run_cpu.sh"
(($# > 1)) && command+=" <build>$(printf " %q" "${@:2}")"
cmake --build "$build" -j2 >/dev/null
if (($# > 2)); then
  benches=("${@:3}")
else  # every CPU benchmark the build has (bench/cpu/bench_*.cpp), in name order
  mapfile -t benches < <(cd "$build/bench" && ls bench_* | sort)
fi
cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
machine=$(echo "${cpu:-cpu}" | tr -cs 'A-Za-z0-9' '-' | sed 's/-$//' | cut -c1-40)
out=$root/bench/results/$(date +%F)-$machine-$tag.md
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for b in "${benches[@]}"; do
  echo "== $b" | tee -a "$log"
  read -r -a cmd <<<"$b"
  "$build/bench/${cmd[0]}" "${cmd[@]:1}" | tee -a "$log"
done
{
  echo "# CPU benchmarks, $(date +%F)"
  echo
  echo "Machine: $cpu, $(nproc) hardware threads, $(free -g | awk '/Mem:/{print $2}') GiB."
  echo "Commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown). Command: \`$command\`."
  echo
  echo "| benchmark | value | unit | goal |"
  echo "|---|---|---|---|"
  grep '^RESULT' "$log" | awk '{print "| " $2 " | " $3 " | " $4 " | " $5 " |"}'
  echo
  echo "Raw output:"
  echo
  echo '```'
  grep -v '^RESULT' "$log"
  echo '```'
} | sed "s|$(dirname "$root")/|../|g" > "$out"
echo "written: $out"
