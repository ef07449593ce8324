#!/usr/bin/env bash
# The importers' reading speed (issue 15): makes large recordings with the real libraries
# (Debian's python3-torch and python3-numpy; GPT-OSS-20B's shape, 200,000 tokens), then runs
# bench_imports on them, hot and cold (the files' pages dropped first), and writes
# bench/results/<date>-<machine>-imports.md.
# Usage: bench/run_imports.sh [build-dir [tag [tokens]]]   (the tag, default "imports", ends the
#        file's name: a second run on one day need not overwrite the first; tokens, default
#        200000: 1000000 makes files of 0.4-0.8 GB, larger than a big last-level cache)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/release}
tag=${2:-imports}
tokens=${3:-200000}
cmake --build "$build" -j2 --target bench_imports >/dev/null
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
/usr/bin/python3 "$root/bench/imports/make_files.py" "$dir" "$tokens"
cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
machine=$(echo "${cpu:-cpu}" | tr -cs 'A-Za-z0-9' '-' | sed 's/-$//' | cut -c1-40)
out=$root/bench/results/$(date +%F)-$machine-$tag.md
log=$("$build/bench/bench_imports" "$dir")
{
  echo "# Import reading speed, $(date +%F)"
  echo
  echo "Machine: $cpu, $(nproc) hardware threads. Commit: $(git -C "$root" rev-parse --short HEAD). Command: \`bench/run_imports.sh$( (($# > 1)) && printf ' <build>' && printf ' %q' "${@:2}")\`."
  echo "Reference: the same file's bytes read with fread (what \`cat\` does), from the page cache (hot), and"
  echo "with the file's pages dropped before each read (cold: what a first open pays, the disk included)."
  echo
  echo "| benchmark | value | unit | goal |"
  echo "|---|---|---|---|"
  echo "$log" | grep '^RESULT' | awk '{print "| " $2 " | " $3 " | " $4 " | " $5 " |"}'
  echo
  echo '```'
  echo "$log" | grep -v '^RESULT'
  echo '```'
} > "$out"
echo "written: $out"
