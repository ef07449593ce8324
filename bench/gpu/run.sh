#!/usr/bin/env bash
# The one script to run on a GPU machine (H100/H200, root, no internet, maybe no apt): checks
# the toolchain, builds with the `gpu` preset (or, lacking the core's libraries, the GPU-only
# build in bench/gpu/standalone), runs the GPU tests and any bench_gpu_* executables, and
# writes bench/results/<date>-<device>.md, copied to $OUT when set.
# A bundle carried from the build machine (.gpubundle/, made by bench/gpu/bundle.sh) is used
# instead of a build when its libraries load here: a bare GPU machine lacks the project's Debian
# libraries and cannot fetch them. MOE_GPU_BUILD=1 builds here regardless.
# Usage: bash bench/gpu/run.sh            (from anywhere; exit status 0 only if all went well)
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
JOBS="$(nproc 2>/dev/null || echo 4)"
STAMP="$(date -u +%Y-%m-%d)"
LOGS="$ROOT/build/gpu-run-logs"
mkdir -p "$LOGS" "$ROOT/bench/results"
export PATH="$PATH:/usr/local/cuda/bin"

say() { echo "gpu-run: $*"; }
status=0

# The device tool stops a command at 600 s and then returns only what is already under $OUT, so
# the whole script keeps inside MOE_GPU_BUDGET_S and each stage gets at most what is left,
# leaving time to write the results.
BUDGET="${MOE_GPU_BUDGET_S:-550}"
cap() {  # cap WANTED: seconds a stage may take
    local left=$((BUDGET - SECONDS))
    ((left < 15)) && left=15
    ((${1} < left)) && echo "$1" || echo "$left"
}

# --- what this machine has -----------------------------------------------------------------
# No apt here: report what is missing, so the next session knows what to carry or install.
missing=()
have() { command -v "$1" >/dev/null 2>&1; }
tool_line() {  # name, version command
    if have "$1"; then say "found $1: $($2 2>&1 | grep -Eo '[0-9]+\.[0-9]+(\.[0-9]+)?' | head -n1)"
    else say "MISSING $1"; missing+=("$1"); fi
}
tool_line cmake "cmake --version"
tool_line ninja "ninja --version"
tool_line g++ "g++ --version"
tool_line nvcc "nvcc --version"
tool_line nvidia-smi "nvidia-smi --version"
header_missing() {  # header, what provides it
    for dir in /usr/include /usr/local/include /usr/include/eigen3; do
        [[ -e "$dir/$1" ]] && return 1
    done
    say "MISSING header $1 ($2)"; missing+=("$2"); return 0
}
header_missing Eigen/Core libeigen3-dev
header_missing CLI/CLI.hpp libcli11-dev
header_missing nlohmann/json.hpp nlohmann-json3-dev
header_missing zlib.h zlib1g-dev
header_missing gtest/gtest.h libgtest-dev
header_missing benchmark/benchmark.h libbenchmark-dev
header_missing sqlite3.h libsqlite3-dev

device="no-gpu"
gpu_names=""
if have nvidia-smi; then
    gpu_names="$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null)"
    first="$(head -n1 <<<"$gpu_names")"
    if [[ -n "$first" ]]; then
        device="$(tr '[:upper:]' '[:lower:]' <<<"$first" | sed -E 's/[^a-z0-9]+/-/g; s/^-+|-+$//g')"
    fi
    nvidia-smi --query-gpu=index,name,driver_version,memory.total,pci.bus_id \
        --format=csv >"$LOGS/nvidia-smi.csv" 2>&1
fi
say "device: ${first:-none} -> $device"
RESULT="$ROOT/bench/results/$STAMP-$device.md"

# --- CUDA's libraries: the toolkit's, else PyTorch's wheels (NCCL often lives only there) ----
lib_dirs=()
nccl_dir=""
site_dirs="$(python3 -c 'import site; print("\n".join(site.getsitepackages()))' 2>/dev/null)"
for d in /usr/local/cuda/lib64 /usr/local/cuda/lib \
         $(for s in $site_dirs; do echo "$s"/nvidia/{nccl,cublas,cuda_runtime,cu13}/lib; done); do
    [[ -d "$d" ]] || continue
    compgen -G "$d/libnccl.so*" >/dev/null && [[ -z "$nccl_dir" ]] && nccl_dir="$d"
    compgen -G "$d/lib*.so*" >/dev/null && lib_dirs+=("$d")
done
if [[ -z "$nccl_dir" ]]; then
    nccl_dir="$(ldconfig -p 2>/dev/null | awk '/libnccl\.so/ { print $NF; exit }' | xargs -r dirname)"
fi
say "NCCL: ${nccl_dir:-not found (NCCL tests left out)}"
export MOE_DATA_DIR="$ROOT/data"  # the bundled trace subset and corpus, wherever the tree lands

# --- a carried bundle, when it loads here ----------------------------------------------------
BUILD=""
build_note=""
configure_log=""
BUNDLE_DIR="$ROOT/.gpubundle"
if [[ -z "${MOE_GPU_BUILD:-}" && -x "$BUNDLE_DIR/tests/gpu/moe_gpu_tests" ]]; then
    manifest() { sed -n "s/^$1=//p" "$BUNDLE_DIR/MANIFEST"; }
    glibc_have="$(ldd --version 2>/dev/null | head -n1 | grep -Eo '[0-9]+\.[0-9]+$')"
    glibc_need="$(manifest glibc_needed)"
    bundle_libs="$BUNDLE_DIR/lib"
    for d in "${lib_dirs[@]}" $nccl_dir; do bundle_libs+=":$d"; done
    unresolved="$(for exe in "$BUNDLE_DIR"/tests/gpu/* "$BUNDLE_DIR"/bench/* "$BUNDLE_DIR"/app/*; do
        LD_LIBRARY_PATH="$bundle_libs" ldd "$exe" 2>&1; done | grep 'not found' | sort -u | xargs)"
    if [[ -n "$glibc_need" && -n "$glibc_have" ]] &&
        [[ "$(printf '%s\n' "$glibc_need" "$glibc_have" | sort -V | head -n1)" != "$glibc_need" ]]; then
        say "bundle needs glibc $glibc_need, this machine has $glibc_have: building here instead"
    elif [[ -n "$unresolved" ]]; then
        say "bundle cannot load ($unresolved): building here instead"
    else
        export LD_LIBRARY_PATH="$bundle_libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
        BUILD="$BUNDLE_DIR"
        head_commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
        build_note="carried bundle of commit $(manifest commit), built $(manifest built)"
        [[ "$(manifest commit)" == "$head_commit" ]] ||
            say "WARNING: the bundle is of commit $(manifest commit), the tree is at $head_commit"
        say "using the carried bundle ($build_note); MPI is not in it"
        export MOE_CLI_PATH="$BUNDLE_DIR/app/moe-workbench-cli"  # not the build tree it came from
    fi
fi

# --- configure and build -------------------------------------------------------------------
if [[ -z "$BUILD" ]] && have cmake && have g++ && have nvcc; then
    # NCCL outside the toolkit (PyTorch's wheel): name it, or gpu/ would build without it.
    nccl_flags=()
    if [[ -n "$nccl_dir" && "$nccl_dir" != /usr/local/cuda* ]]; then
        nccl_lib="$(compgen -G "$nccl_dir/libnccl.so*" | sort | head -n1)"
        nccl_flags=(-DMOE_NCCL_LIBRARY="$nccl_lib" -DMOE_NCCL_INCLUDE_DIR="$nccl_dir/../include")
        export LD_LIBRARY_PATH="$nccl_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    fi
    generator=(); have ninja || generator=(-G "Unix Makefiles")
    if have ninja; then
        say "configuring (gpu preset)..."
        cmake --preset gpu -DMOE_BUILD_GUI=OFF "${nccl_flags[@]}" >"$LOGS/configure.log" 2>&1 &&
            BUILD=build/gpu
        configure_log="$LOGS/configure.log"
    else
        say "configuring (no ninja: Unix Makefiles, same settings as the gpu preset)..."
        cmake -S . -B build/gpu-make "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
            -DMOE_WITH_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 -DMOE_BUILD_GUI=OFF "${nccl_flags[@]}" \
            >"$LOGS/configure.log" 2>&1 && BUILD=build/gpu-make
        configure_log="$LOGS/configure.log"
    fi
    if [[ -n "$BUILD" ]]; then
        build_note="full project"
    else
        tail -n 15 "$LOGS/configure.log"
        say "full configure failed; trying the GPU-only build (bench/gpu/standalone)"
        cmake -S bench/gpu/standalone -B build/gpu-only "${generator[@]}" \
            -DCMAKE_CUDA_ARCHITECTURES=90 "${nccl_flags[@]}" >"$LOGS/configure-gpu-only.log" 2>&1 &&
            BUILD=build/gpu-only && build_note="GPU-only (full configure failed)"
        configure_log="$LOGS/configure-gpu-only.log"
        [[ -n "$BUILD" ]] || tail -n 15 "$LOGS/configure-gpu-only.log"
    fi
    grep -hE '^-- MoE' "$configure_log"
    if [[ -n "$BUILD" ]]; then
        say "building $BUILD with -j$JOBS..."
        if ! timeout "$(cap 360)" cmake --build "$BUILD" -j "$JOBS" >"$LOGS/build.log" 2>&1; then
            tail -n 30 "$LOGS/build.log"
            say "full build failed; building only the GPU targets"
            build_note="$build_note; full build failed, GPU targets only"
            timeout "$(cap 240)" cmake --build "$BUILD" -j "$JOBS" --target moe_gpu_tests \
                >>"$LOGS/build.log" 2>&1 ||
                { tail -n 30 "$LOGS/build.log"; status=1; }
        fi
    else
        status=1
    fi
elif [[ -z "$BUILD" ]]; then
    say "cannot build here (missing: ${missing[*]})"
    status=1
fi
# A build carried over from another machine still gets run.
if [[ -z "$BUILD" ]]; then
    for d in build/gpu build/gpu-only build/gpu-make; do
        [[ -x "$d/tests/gpu/moe_gpu_tests" ]] && BUILD="$d" && build_note="prebuilt $d" && break
    done
fi

# --- GPU tests -----------------------------------------------------------------------------
test_rows=""
passed=0; failed=0; skipped=0
if [[ -n "$BUILD" ]]; then
    for exe in "$BUILD"/tests/gpu/*_tests; do
        [[ -x "$exe" ]] || continue
        name="$(basename "$exe")"
        say "running $name..."
        timeout "$(cap 300)" "$exe" --gtest_color=no >"$LOGS/$name.log" 2>&1 || status=1
        # One row per test from gtest's own result lines: OK, FAILED, SKIPPED.
        while IFS=$'\t' read -r result test ms; do
            test_rows+="| $name | $test | $result | $ms |"$'\n'
            case "$result" in
                passed) passed=$((passed + 1)) ;;
                failed) failed=$((failed + 1)) ;;
                skipped) skipped=$((skipped + 1)) ;;
            esac
        done < <(sed -nE 's/^\[ +(OK|FAILED|SKIPPED) +\] ([^ ]+) \(([0-9]+) ms\)$/\1\t\2\t\3/p' \
                     "$LOGS/$name.log" | sed -E 's/^OK/passed/; s/^FAILED/failed/; s/^SKIPPED/skipped/')
        grep -E '^(device [0-9]+:|no CUDA device:)' "$LOGS/$name.log" | sort -u
    done
fi
((failed == 0)) || status=1
say "tests: $passed passed, $failed failed, $skipped skipped"
# ctest lists the GPU tests from the suite's own listing (tests/gpu/gpu_test_main.cpp): one
# probe entry without a device, every test with one. Check the second half here.
if [[ "$device" != no-gpu && -x "$BUILD/tests/gpu/moe_gpu_tests" ]]; then
    listed="$("$BUILD/tests/gpu/moe_gpu_tests" --gtest_list_tests | grep -c '^  ' || true)"
    say "the GPU suite lists $listed tests for ctest"
    ((listed > 1)) || { say "WARNING: with a GPU the suite listed only $listed test(s)"; status=1; }
fi
# nvidia-smi sees a GPU but the tests skipped: a driver/runtime mismatch, which is a failure.
if [[ "$device" != no-gpu ]] && ((skipped > 0)); then
    say "WARNING: nvidia-smi lists a GPU but $skipped tests skipped (driver older than the runtime?)"
    status=1
fi

# --- GPU benchmarks ------------------------------------------------------------------------
# ===== BENCHMARKS: every executable named bench_gpu_* in the build runs here, its output kept
# ===== verbatim in the results file. Add a benchmark by adding such a target (bench/gpu/).
bench_section=""
if [[ -n "$BUILD" ]]; then
    while IFS= read -r exe; do
        name="$(basename "$exe")"
        say "benchmark $name..."
        # bench_gpu_moe_layer leaves routing and timings in $LOGS for the PyTorch reference.
        timeout "$(cap 240)" "$exe" --out-dir "$LOGS" ${BENCH_ARGS:-} >"$LOGS/$name.log" 2>&1
        rc=$?
        if ((rc != 0)); then status=1; echo "(exit status $rc)" >>"$LOGS/$name.log"; fi
        bench_section+="### $name"$'\n\n```\n'"$(cat "$LOGS/$name.log")"$'\n```\n\n'
    done < <(find "$BUILD" -type f -executable -name 'bench_gpu_*' | sort)
fi
[[ -n "$bench_section" ]] || bench_section="No bench_gpu_* executables in the build yet."$'\n'

# --- the same layers in PyTorch (skips, saying why, without torch) ---------------------------
if have python3; then
    say "PyTorch reference..."
    timeout "$(cap 180)" python3 "$ROOT/bench/gpu/torch_reference.py" "$LOGS" >"$LOGS/torch_reference.log" 2>&1 ||
        echo "(exit status $?)" >>"$LOGS/torch_reference.log"
    bench_section+="### torch_reference.py"$'\n\n```\n'"$(cat "$LOGS/torch_reference.log")"$'\n```\n\n'
fi

# --- the CLI on the GPU, and MPI/NCCL ranks ------------------------------------------------
cli="$BUILD/app/moe-workbench-cli"
if [[ -x "$cli" ]]; then
    say "moe-workbench-cli run --backend cuda..."
    timeout "$(cap 120)" "$cli" run --backend cuda --steps 50 --hidden 512 --ffn 1408 --no-db \
        >"$LOGS/cli_cuda.log" 2>&1 || { status=1; echo "(exit status $?)" >>"$LOGS/cli_cuda.log"; }
    grep -q "engine:   cuda" "$LOGS/cli_cuda.log" ||
        { say "WARNING: --backend cuda did not run on the GPU (see cli_cuda.log)"; [[ "$device" == no-gpu ]] || status=1; }
    bench_section+="### moe-workbench-cli run --backend cuda"$'\n\n```\n'"$(head -n 12 "$LOGS/cli_cuda.log")"$'\n```\n\n'
fi
if [[ "$BUILD" == "$BUNDLE_DIR" ]]; then
    bench_section+="### ctest -L mpi"$'\n\n'"Not run: the carried bundle has no MPI (MOE_GPU_BUILD=1 builds here, with MPI where it is installed)."$'\n\n'
elif [[ -n "$BUILD" && -f "$BUILD/CTestTestfile.cmake" ]]; then
    say "MPI tests (ctest -L mpi; NCCL over MPI where each rank has a GPU)..."
    timeout "$(cap 120)" ctest --test-dir "$BUILD" -L mpi --output-on-failure \
        >"$LOGS/ctest_mpi.log" 2>&1 || status=1
    bench_section+="### ctest -L mpi"$'\n\n```\n'"$(tail -n 15 "$LOGS/ctest_mpi.log")"$'\n```\n\n'
fi

# --- results file --------------------------------------------------------------------------
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
{
    echo "# GPU run $STAMP on ${first:-no GPU}"
    echo
    echo "| what | value |"
    echo "| --- | --- |"
    echo "| devices | $(tr '\n' ';' <<<"${gpu_names:-none}" | sed 's/;$//; s/;/; /g') |"
    if [[ -s "$LOGS/nvidia-smi.csv" ]]; then
        echo "| driver | $(sed -n 2p "$LOGS/nvidia-smi.csv" | cut -d, -f3 | xargs) |"
        echo "| memory | $(sed -n 2p "$LOGS/nvidia-smi.csv" | cut -d, -f4 | xargs) |"
    fi
    echo "| nvcc | $(nvcc --version 2>/dev/null | grep -Eo 'release [0-9.]+' || echo missing) |"
    echo "| host | $(hostname 2>/dev/null), $JOBS CPUs |"
    echo "| commit | $commit |"
    echo "| build | ${BUILD:-none} (${build_note:-not built}) |"
    echo "| missing tools/packages | ${missing[*]:-none} |"
    echo
    echo "## GPU tests"
    echo
    echo "$passed passed, $failed failed, $skipped skipped"
    echo
    if [[ -n "$test_rows" ]]; then
        echo "| executable | test | result | time (ms) |"
        echo "| --- | --- | --- | --- |"
        printf '%s' "$test_rows"
    fi
    echo
    echo "## GPU benchmarks"
    echo
    printf '%s' "$bench_section"
} >"$RESULT"
say "results: $RESULT"

if [[ -n "${OUT:-}" ]]; then
    mkdir -p "$OUT/logs"
    cp "$RESULT" "$OUT/"
    cp "$LOGS"/*.log "$LOGS"/*.csv "$OUT/logs/" 2>/dev/null
    say "copied results and logs to $OUT"
fi
exit "$status"
