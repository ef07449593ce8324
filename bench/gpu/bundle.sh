#!/usr/bin/env bash
# Builds the GPU programs HERE and packs them, with the shared libraries a bare GPU machine
# lacks, into .gpubundle/ (ignored by git), for the device tool to carry. The lent machines have
# CUDA, cmake and PyTorch but none of the project's Debian libraries (Eigen, CLI11, JSON, SQLite,
# CBC, GoogleTest) and cannot fetch them, so a build there can fail before any GPU code runs;
# the bundle lets bench/gpu/run.sh go straight to the tests and benchmarks.
#
# Left to the GPU machine: glibc, libstdc++ and the CUDA libraries (cudart, cuBLAS, NCCL), which
# must match its driver; run.sh finds NCCL in the CUDA toolkit or PyTorch's wheels.
# MPI is off in the bundle (Open MPI cannot be moved to another prefix); run.sh says so.
#
# Usage: bash bench/gpu/bundle.sh             then, with the device tool:
#        run(command="bash bench/gpu/run.sh", carry=[".gpubundle"])
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
BUILD="$ROOT/build/gpu-bundle"
BUNDLE="$ROOT/.gpubundle"
export PATH="$PATH:/usr/local/cuda/bin"
say() { echo "bundle: $*"; }

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# x86-64-v3 (AVX2, FMA): both the AMD build machines and the Intel hosts of the GPUs have it,
# which -march=native on either would not promise; the CPU oracle keeps its vector speed.
say "configuring $BUILD (Release, CUDA sm_90, no GUI, no MPI, x86-64-v3)"
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMOE_WITH_CUDA=ON \
    -DCMAKE_CUDA_ARCHITECTURES=90 -DMOE_BUILD_GUI=OFF -DMOE_WITH_MPI=OFF -DMOE_PORTABLE=ON \
    -DCMAKE_CXX_FLAGS=-march=x86-64-v3 "${launcher[@]}" >"$BUILD.configure.log" 2>&1 ||
    { tail -n 20 "$BUILD.configure.log"; exit 1; }
grep -q 'MoE CUDA: [0-9]' "$BUILD.configure.log" ||
    { grep -E '^-- MoE' "$BUILD.configure.log"; say "CUDA was not configured: no nvcc?"; exit 1; }
say "building (-j${CMAKE_BUILD_PARALLEL_LEVEL:-2})"
cmake --build "$BUILD" -j "${CMAKE_BUILD_PARALLEL_LEVEL:-2}" \
    --target moe_gpu_tests bench_gpu_moe_layer moe-workbench-cli moe_cuda

# The build tree's layout, which run.sh expects of any build: tests/gpu, bench, app.
rm -rf "$BUNDLE"
mkdir -p "$BUNDLE/tests/gpu" "$BUNDLE/bench" "$BUNDLE/app" "$BUNDLE/lib"
cp "$BUILD/tests/gpu/moe_gpu_tests" "$BUNDLE/tests/gpu/"
cp "$BUILD/bench/bench_gpu_moe_layer" "$BUNDLE/bench/"
cp "$BUILD/app/moe-workbench-cli" "$BUNDLE/app/"
# The CLI opens its CUDA backend from this module, beside it, when --backend cuda asks.
cp "$BUILD/app/libmoe_cuda.so" "$BUNDLE/app/"
strip --strip-debug "$BUNDLE"/tests/gpu/* "$BUNDLE"/bench/* "$BUNDLE"/app/*

# Shared libraries to carry: everything the programs load except the C runtime, the C++ runtime
# and CUDA's own (those must be the GPU machine's).
keep_on_host='^(linux-vdso|ld-linux|libc\.|libm\.|libdl\.|librt\.|libpthread\.|libstdc\+\+\.|libgcc_s\.|libcuda\.|libcudart\.|libcublas|libcublasLt\.|libnccl\.)'
for exe in "$BUNDLE"/tests/gpu/* "$BUNDLE"/bench/* "$BUNDLE"/app/*; do
    ldd "$exe" | awk '/=> \// { print $1, $3 }'
done | sort -u | while read -r name path; do
    [[ "$name" =~ $keep_on_host ]] && continue
    cp -L "$path" "$BUNDLE/lib/$name"
done

# What the GPU machine must provide, for run.sh to check before it trusts the bundle.
glibc_needed="$(for f in "$BUNDLE"/tests/gpu/* "$BUNDLE"/bench/* "$BUNDLE"/app/* "$BUNDLE"/lib/*; do
    objdump -T "$f" 2>/dev/null; done | grep -Eo 'GLIBC_[0-9]+\.[0-9]+' | sort -t. -k2 -n -u |
    tail -n1 | cut -d_ -f2)"
cat >"$BUNDLE/MANIFEST" <<EOF
commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!bench/results' || echo "+dirty")
built=$(date -u +%Y-%m-%dT%H:%MZ) on $(. /etc/os-release && echo "$PRETTY_NAME"), $(nvcc --version | grep -Eo 'release [0-9.]+')
glibc_needed=$glibc_needed
cuda_needed=$(nvcc --version | grep -Eo 'release [0-9]+' | cut -d' ' -f2)
EOF
{
    echo "libraries the programs need from the GPU machine:"
    for exe in "$BUNDLE"/tests/gpu/* "$BUNDLE"/bench/* "$BUNDLE"/app/*; do
        ldd "$exe" | awk '{ print "  " $1 }'
    done | sort -u | grep -E "$(sed 's/\^(/  (/' <<<"$keep_on_host")" || true
} >>"$BUNDLE/MANIFEST"
size="$(du -sm "$BUNDLE" | cut -f1)"
say "$(ls "$BUNDLE/lib" | wc -l) libraries carried; $size MiB in $BUNDLE"
((size < 56)) || { say "too large to carry (the device tool takes 64 MiB with the tree)"; exit 1; }
cat "$BUNDLE/MANIFEST"
