#!/usr/bin/env bash
# What CI runs (via .ci/run) and what a developer runs before pushing: set up and build, then
# every ctest suite. ctest runs last so its summary line is the last thing printed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh
echo "test: running ctest (release preset)..."
exec ctest --preset release -j "${CTEST_PARALLEL_LEVEL:-2}" "$@"
