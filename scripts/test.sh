#!/usr/bin/env bash
# What CI runs (via .ci/run) and what a developer runs before pushing: set up and build, then
# every ctest suite. ctest runs last so its summary line is the last thing printed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh
# ctest does not show why a test skipped, so say it first: without a device the GPU suite is
# one entry that skips (tests/gpu/gpu_test_main.cpp).
gpu_tests="$ROOT/build/${MOE_PRESET:-release}/tests/gpu/moe_gpu_tests"
if [[ -x "$gpu_tests" ]]; then
    reason="$("$gpu_tests" 2>&1 | grep -A1 ': Skipped$' | grep -v -e ': Skipped$' -e '^--$' || true)"
    [[ -n "$reason" ]] && echo "test: GPU tests will skip: $reason"
else
    echo "test: no GPU test binary (built without CUDA): GPU tests are not part of this run"
fi
echo "test: running ctest (release preset)..."
exec ctest --preset release -j "${CTEST_PARALLEL_LEVEL:-2}" "$@"
