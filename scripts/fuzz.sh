#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (clang, ASan + UBSan, build/fuzz) and runs each for a
# while on a copy of its seed corpus, then prints one line per target: executions, crashes,
# timeouts (hangs) and OOMs/leaks. Exits non-zero when any target found something; the inputs
# that did it land in build/fuzz/findings/<target>/ (replay one: build/fuzz/fuzz/<target> FILE).
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 20; FUZZ_TARGETS="a b" picks targets)
set -euo pipefail

SECONDS_PER_TARGET="${1:-20}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="$ROOT/build/fuzz"
cd "$ROOT"

CC=clang CXX=clang++ cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" \
    "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" \
    -DMOE_FUZZ=ON -DMOE_BUILD_GUI=OFF -DMOE_BUILD_TESTS=OFF -DMOE_BUILD_BENCH=OFF \
    -DMOE_WITH_CUDA=OFF -DMOE_WITH_MPI=OFF >"$BUILD.configure.log" 2>&1 ||
    { cat "$BUILD.configure.log"; exit 1; }
nice ninja -C "$BUILD" -j2 fuzz_targets

# The largest input worth trying per target: a little above its largest seed, so mutations
# stay near real files and each run is fast.
declare -A MAX_LEN=(
    [fuzz_torch_file]=16384 [fuzz_npy]=4096 [fuzz_safetensors]=4096 [fuzz_megatron]=8192
    [fuzz_response_dump]=8192 [fuzz_sglang_csv]=4096 [fuzz_trace]=16384 [fuzz_trace_shape]=256
    [fuzz_loads_csv]=2048 [fuzz_checkpoint]=1024 [fuzz_store]=32768 [fuzz_spec_strings]=128
)
TARGETS="${FUZZ_TARGETS:-$(printf '%s\n' "${!MAX_LEN[@]}" | sort | tr '\n' ' ')}"

# A crashed target leaves its /tmp/moe-fuzz-<pid> scratch folder behind; drop those of
# processes that are gone.
clear_scratch() {
    for d in /tmp/moe-fuzz-*; do
        [[ -d "$d" ]] || continue
        kill -0 "${d##*-}" 2>/dev/null || rm -rf "$d"
    done
}

found=0
summary=()
for t in $TARGETS; do
    work="$BUILD/work/$t"
    findings="$BUILD/findings/$t"
    rm -rf "$work" "$findings" && mkdir -p "$work/corpus" "$findings"
    cp -r "$ROOT/fuzz/corpus/$t/." "$work/corpus/"
    echo "== $t: ${SECONDS_PER_TARGET}s"
    # Fork mode keeps fuzzing past a finding and counts them. One allocation over 256 MB from
    # inputs of a few KB is a runaway (the malloc limit), as is a process over 2 GB.
    set +e
    (cd "$work" && ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0 \
        "$BUILD/fuzz/$t" corpus -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
        -max_total_time="$SECONDS_PER_TARGET" -max_len="${MAX_LEN[$t]:-4096}" -timeout=10 \
        -rss_limit_mb=2048 -malloc_limit_mb=256 -artifact_prefix="$findings/" \
        -print_final_stats=1 >"$work/log" 2>&1)
    set -e
    clear_scratch
    # The fork driver's last status line: "#N: cov: .. oom/timeout/crash: a/b/c time: ..".
    line="$(grep -E '^#[0-9]+: cov:' "$work/log" | tail -1 || true)"
    execs="$(sed -nE 's/^#([0-9]+):.*/\1/p' <<<"$line")"
    read -r ooms hangs crashes < <(sed -nE 's#.*oom/timeout/crash: ([0-9]+)/([0-9]+)/([0-9]+).*#\1 \2 \3#p' \
        <<<"$line" || true)
    # The driver's counts miss seeds that fail in its first pass; their inputs are still saved,
    # so each count is the larger of the two. The driver counts a leak as a crash.
    count() { find "$findings" -name "$1-*" | wc -l; }
    leaks="$(count leak)"
    crashes=$(((${crashes:-0} > leaks ? ${crashes:-0} - leaks : 0)))
    crashes=$((crashes > $(count crash) ? crashes : $(count crash)))
    hangs=$((${hangs:-0} > $(count timeout) ? ${hangs:-0} : $(count timeout)))
    ooms=$((${ooms:-0} > $(count oom) ? ${ooms:-0} : $(count oom)))
    if [[ -z "$line" ]] && ! grep -q 'INFO: exiting: 0' "$work/log"; then
        crashes=$((crashes + 1))  # the driver itself failed: see the log
    fi
    ((crashes + hangs + ooms + leaks > 0)) && found=1
    summary+=("$(printf '%-20s executions %10s  crashes %3s  hangs %3s  ooms/leaks %3s  (log %s)' \
        "$t" "${execs:-0}" "$crashes" "$hangs" "$((ooms + leaks))" "${work#"$ROOT"/}/log")")
done

echo
printf '%s\n' "${summary[@]}"
if ((found)); then
    echo "fuzz: findings in build/fuzz/findings/ (replay: build/fuzz/fuzz/<target> FILE)"
    exit 1
fi
echo "fuzz: nothing found"
