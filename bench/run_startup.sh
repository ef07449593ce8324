#!/usr/bin/env bash
# Start-up of the CLI (issue 17): `--help` and `stats` on the bundled GPT-OSS subset, each
# against `true` in the same run, median of N runs. The CUDA backend is a module opened on first
# use (app/shared/cuda_module.h); the "CUDA loaded" rows preload the libraries the programs used
# to link (cudart, cuBLAS, cuBLASLt) to show what that cost, on the same machine in the same run.
# Writes bench/results/<date>-<machine>-startup.md.
# Usage: bench/run_startup.sh [build-dir] [runs]   (default build/release, 21 runs)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/release}
runs=${2:-21}
cli=$build/app/moe-workbench-cli
cmake --build "$build" -j2 --target moe-workbench-cli >/dev/null
cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
machine=$(echo "${cpu:-cpu}" | tr -cs 'A-Za-z0-9' '-' | sed 's/-$//' | cut -c1-40)
out=$root/bench/results/$(date +%F)-$machine-startup.md

# The CUDA libraries the module links, as the loader finds them (empty without a CUDA build).
cuda_libs=""
if [[ -f $build/app/libmoe_cuda.so ]]; then
    cuda_libs=$(ldd "$build/app/libmoe_cuda.so" | awk '/libcudart|libcublas/ { print $3 }' | tr '\n' ' ')
fi

# Median wall time of a command in milliseconds, over $runs runs after one warm-up.
median_ms() {
    "$@" >/dev/null 2>&1 || true
    for _ in $(seq "$runs"); do
        local t0 t1
        t0=$(date +%s%N)
        "$@" >/dev/null 2>&1 || true
        t1=$(date +%s%N)
        echo $(((t1 - t0) / 1000))
    done | sort -n | awk '{ v[NR] = $1 } END { printf "%.1f", v[int((NR + 1) / 2)] / 1000 }'
}
preloaded() { LD_PRELOAD="$cuda_libs" "$@"; }

base=$(median_ms true)
help=$(median_ms "$cli" --help)
stats=$(median_ms "$cli" stats -w trace:gpt-oss-20b)
stats1=$(median_ms "$cli" stats -w trace:gpt-oss-20b --steps 1)
row() { awk -v n="$1" -v t="$2" -v b="$base" 'BEGIN { printf "| %s | %.1f | %.1f |\n", n, t, t - b }'; }
{
    echo "# CLI start-up, $(date +%F), $cpu"
    echo
    echo "Median of $runs runs after a warm-up (bench/run_startup.sh), in milliseconds; the"
    echo "last column subtracts \`true\` measured in the same run. Goal: a command that does not"
    echo "use CUDA starts in under 60 ms."
    echo
    echo "| command | ms | ms over \`true\` |"
    echo "|---|---|---|"
    row "\`true\`" "$base"
    row "\`--help\`" "$help"
    row "\`stats -w trace:gpt-oss-20b --steps 1\` (opens the trace, one step)" "$stats1"
    row "\`stats -w trace:gpt-oss-20b\` (reads and summarises 2.3 MB of gzip)" "$stats"
    if [[ -n $cuda_libs ]]; then
        row "\`--help\`, CUDA libraries loaded as when linked (before)" \
            "$(median_ms preloaded "$cli" --help)"
        row "\`stats --steps 1\`, CUDA libraries loaded as when linked (before)" \
            "$(median_ms preloaded "$cli" stats -w trace:gpt-oss-20b --steps 1)"
        row "\`devices\` (opens the CUDA module)" "$(median_ms "$cli" devices)"
    fi
} >"$out"
cat "$out"
