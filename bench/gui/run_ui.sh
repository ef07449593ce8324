#!/usr/bin/env bash
# The GUI's responsiveness benchmark (issue 6): `moe-workbench --bench-ui` runs 24 layers x 32
# experts of synthetic routing through the real window (2,000-step windows, 6 predictor
# curves) while the engine produces steps as fast as it can, and prints its frame-time
# percentiles, frame rate, engine rate and resident memory. Runs under Xvfb when it is
# installed (a real X server, as a desktop would be), else Qt's offscreen platform.
# Writes bench/results/<date>-<machine>-ui.md.
# Usage: bench/gui/run_ui.sh [build-dir] [steps]   (defaults: build/release, 20000;
#        1000000 steps is the memory-flatness run, about 10 minutes)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/release}
steps=${2:-20000}
cmake --build "$build" -j2 --target moe-workbench >/dev/null
app=$build/app/moe-workbench
report=$(mktemp)
trap 'rm -f "$report"' EXIT
export XDG_CONFIG_HOME=$(mktemp -d)  # never touch the user's remembered layout
if command -v xvfb-run >/dev/null; then
  platform="Xvfb (xvfb-run, 1600x1000x24)"
  xvfb-run -a -s "-screen 0 1600x1000x24" "$app" --bench-ui "$report" --steps "$steps"
else
  platform="offscreen"
  QT_QPA_PLATFORM=offscreen "$app" --bench-ui "$report" --steps "$steps"
fi
cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
machine=$(echo "${cpu:-cpu}" | tr -cs 'A-Za-z0-9' '-' | sed 's/-$//' | cut -c1-40)
out=$root/bench/results/$(date +%F)-$machine-ui.md
{
  echo "# GUI responsiveness, $(date +%F)"
  echo
  echo "Machine: $cpu, $(nproc) hardware threads. Display: $platform."
  echo "Commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)."
  echo "Command: \`bench/gui/run_ui.sh BUILD-DIR $steps\`."
  echo
  echo "Workload: 24 layers x 32 experts (synthetic, 16 tokens per step, top-4), 1 rank;"
  echo "6 predictor curves (last, ema 0.1 and 0.3, sw_avg 10 and 100, dist_only), phase"
  echo "shading, 2,000-step windows in the heatmap, balance and error views; no recording."
  echo "Goal: at least 30 frames per second and no frame over 100 ms while the engine makes"
  echo "at least 2,000 steps per second; memory flat over a 1,000,000-step run."
  echo
  echo '```'
  cat "$report"
  echo '```'
} > "$out"
cat "$out"
echo "written: $out"
