#!/usr/bin/env bash
# What CI runs (via .ci/run) and what a developer runs before pushing: set up and build, the
# sanitizer runs (scripts/sanitize.sh: ASan + UBSan, TSan, the fuzz targets briefly), then
# every ctest suite of the release build. ctest runs last so its summary line is the last
# thing printed. MOE_SANITIZERS=0 leaves the sanitizer runs out (a quick local check).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh
if [[ "${MOE_SANITIZERS:-1}" != 0 ]]; then
    bash scripts/sanitize.sh
else
    echo "test: sanitizer runs left out (MOE_SANITIZERS=0)"
fi
# ctest does not show why a test skipped, so say it first: without a device the GPU suite is
# one entry that skips (tests/gpu/gpu_test_main.cpp).
gpu_tests="$ROOT/build/${MOE_PRESET:-release}/tests/gpu/moe_gpu_tests"
if [[ -x "$gpu_tests" ]]; then
    reason="$("$gpu_tests" --gtest_filter=GpuSuite.DeviceProbe 2>&1 | grep -A1 ': Skipped$' |
        grep -v -e ': Skipped$' -e '^--$' || true)"
    [[ -n "$reason" ]] && echo "test: GPU tests will skip: $reason"
else
    echo "test: no GPU test binary (built without CUDA): GPU tests are not part of this run"
fi
echo "test: running ctest (release preset)..."
exec ctest --preset release -j "${CTEST_PARALLEL_LEVEL:-2}" "$@"
