#!/usr/bin/env bash
# The sanitizer runs of every test run (scripts/test.sh, so CI): clang builds of the core and
# CLI with AddressSanitizer + UndefinedBehaviorSanitizer (build/asan: the core, CLI and MPI
# suites, the fuzz corpora replayed, then each libFuzzer target fuzzed briefly), and with
# ThreadSanitizer (build/tsan: the threaded suites: ranks, placement broadcast, the store's
# record queue, the experiment runner, the GUI's engine thread as the window drives it, the
# trace reader's inflate thread, the JSON-lines readers' pieces). Both are unity
# builds (CMAKE_UNITY_BUILD, 8 sources a unit), which keeps each under about 8 minutes on
# 2 cores. Suppressions (tests/sanitizers/) cover third-party code only, each saying why.
# Usage: scripts/sanitize.sh [asan|tsan|fuzz ...]   (default: all three; MOE_FUZZ_SECONDS per
#        target, default 5)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}"
say() { echo "sanitize: $*"; }
command -v clang++ >/dev/null || { say "clang++ not found (scripts/packages.txt has clang)"; exit 1; }

configure() {  # configure PRESET: once, quietly; the log is shown when it fails
    local log="build/$1.configure.log"
    [[ -f "build/$1/build.ninja" ]] && return 0
    mkdir -p build
    cmake --preset "$1" >"$log" 2>&1 || { tail -n 30 "$log"; say "configuring $1 failed"; exit 1; }
}

build() {  # build PRESET TARGET...
    local preset="$1" start=$SECONDS
    shift
    configure "$preset"
    say "building $preset: $*"
    local log="build/$preset.build.log"
    if ! nice cmake --build "build/$preset" -j "$CMAKE_BUILD_PARALLEL_LEVEL" --target "$@" \
        >"$log" 2>&1; then
        grep -E 'error|FAILED' "$log" | head -n 40 || true
        say "building $preset failed (full log: $log)"
        exit 1
    fi
    say "built $preset in $((SECONDS - start)) s"
}

run_ctest() {  # run_ctest PRESET: its summary here, the whole output (failures' too) in a log
    local log="build/$1.ctest.log"
    if ! ctest --preset "$1" -j "$CMAKE_BUILD_PARALLEL_LEVEL" --output-on-failure >"$log" 2>&1; then
        grep -E -A40 'The following tests FAILED|Errors while running' "$log" | head -n 60 || true
        grep -E -B2 -A30 'ERROR: (Address|Leak|Thread)Sanitizer|runtime error:|WARNING: ThreadSanitizer' \
            "$log" | head -n 120 || true
        say "$1 suites failed (full output: $log)"
        exit 1
    fi
    grep -E 'tests passed|Total Test time' "$log"
}

run_asan() {
    build asan moe_core_tests moe_cli_tests moe-workbench-cli moe_mpi_tests \
        $(ls fuzz/fuzz_*.cpp | xargs -n1 basename | sed 's/\.cpp$//; s/^/replay_/')
    say "ASan + UBSan: core, CLI, MPI suites and fuzz corpora"
    run_ctest asan
}

run_tsan() {
    build tsan moe_core_tests moe_engine_tests
    say "TSan: threaded suites and the GUI's engine thread (OpenMP at one thread: libgomp is not instrumented)"
    run_ctest tsan
}

run_fuzz() {  # each target briefly, on the asan build, from a fixed seed (a finding is a bug
    # either way, but a fixed seed makes a CI failure repeatable with the same command)
    MOE_FUZZ_SEED="${MOE_FUZZ_SEED:-1}" bash scripts/fuzz.sh "${MOE_FUZZ_SECONDS:-5}"
}

for step in "${@:-asan tsan fuzz}"; do
    for s in $step; do "run_$s"; done
done
