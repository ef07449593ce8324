#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (clang, ASan + UBSan, build/asan) and runs each for a
# while on a copy of its seed corpus, then prints one line per target: executions, crashes,
# timeouts (hangs) and OOMs/leaks. Exits non-zero when any target found something; the inputs
# that did it land in build/asan/findings/<target>/ (replay one: build/asan/fuzz/<target> FILE).
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 20; FUZZ_TARGETS="a b" picks targets;
#        MOE_FUZZ_SEED fixes libFuzzer's seed, 0 = a new one each run)
set -euo pipefail

SECONDS_PER_TARGET="${1:-20}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="$ROOT/build/asan"
cd "$ROOT"

# The asan preset (clang, ASan + UBSan, libFuzzer's coverage hooks) that scripts/sanitize.sh
# also tests with; configured once.
if [[ ! -f "$BUILD/build.ninja" ]]; then
    mkdir -p build
    cmake --preset asan >"$BUILD.configure.log" 2>&1 || { cat "$BUILD.configure.log"; exit 1; }
fi
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

# Fuzzes target $1 for SECONDS_PER_TARGET; its one-line summary goes to work/<target>/summary.
fuzz_one() {
    local t="$1"
    local work="$BUILD/work/$t" findings="$BUILD/findings/$t"
    rm -rf "$work" "$findings" && mkdir -p "$work/corpus" "$findings"
    cp -r "$ROOT/fuzz/corpus/$t/." "$work/corpus/"
    # Fork mode keeps fuzzing past a finding and counts them. One allocation over 256 MB from
    # inputs of a few KB is a runaway (the malloc limit), as is a process over 2 GB.
    (cd "$work" && ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0 \
        "$BUILD/fuzz/$t" corpus -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
        -max_total_time="$SECONDS_PER_TARGET" -max_len="${MAX_LEN[$t]:-4096}" -timeout=10 \
        -rss_limit_mb=2048 -malloc_limit_mb=256 -artifact_prefix="$findings/" \
        -seed="${MOE_FUZZ_SEED:-0}" \
        -print_final_stats=1 >"$work/log" 2>&1) || true
    clear_scratch
    # The fork driver's last status line: "#N: cov: .. oom/timeout/crash: a/b/c time: ..".
    local line execs ooms hangs crashes leaks
    line="$(grep -E '^#[0-9]+: cov:' "$work/log" | tail -1 || true)"
    execs="$(sed -nE 's/^#([0-9]+):.*/\1/p' <<<"$line")"
    read -r ooms hangs crashes < <(sed -nE 's#.*oom/timeout/crash: ([0-9]+)/([0-9]+)/([0-9]+).*#\1 \2 \3#p' \
        <<<"$line") || true
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
    printf '%-20s executions %10s  crashes %3s  hangs %3s  ooms %3s  leaks %3s  (log %s)\n' \
        "$t" "${execs:-0}" "$crashes" "$hangs" "$ooms" "$leaks" "${work#"$ROOT"/}/log" \
        >"$work/summary"
    ((crashes + hangs + ooms + leaks == 0)) || touch "$work/found"
}

# FUZZ_JOBS targets at a time (default 1): 2 halves the wall time of a long run on 2 cores.
jobs_max="${FUZZ_JOBS:-1}"
for t in $TARGETS; do
    echo "== $t: ${SECONDS_PER_TARGET}s"
    fuzz_one "$t" &
    while (($(jobs -rp | wc -l) >= jobs_max)); do wait -n || true; done
done
wait
found=0
summary=()
for t in $TARGETS; do
    if [[ -f "$BUILD/work/$t/summary" ]]; then
        summary+=("$(cat "$BUILD/work/$t/summary")")
    else  # the job itself died: count it, and point at its log
        summary+=("$(printf '%-20s no summary: the fuzzing job failed (log %s)' "$t" \
            "build/asan/work/$t/log")")
        found=1
    fi
    [[ -e "$BUILD/work/$t/found" ]] && found=1
done

echo
printf '%s\n' "${summary[@]}"
if ((found)); then
    echo "fuzz: findings in build/asan/findings/ (replay: build/asan/fuzz/<target> FILE)"
    exit 1
fi
echo "fuzz: nothing found"
