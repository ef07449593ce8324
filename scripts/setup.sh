#!/usr/bin/env bash
# One command from a fresh Debian 12 clone to a built workbench: installs the Debian packages
# in scripts/packages.txt that are missing, then configures and builds the `release` preset.
# A second run must be near-silent and near-instant, since test.sh and launch.sh call it first.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PRESET="${MOE_PRESET:-release}"
BUILD_DIR="$ROOT/build/$PRESET"
export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}"

say() { echo "setup: $*"; }

# --- packages ------------------------------------------------------------------------------
mapfile -t packages < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' scripts/packages.txt | grep -v '^$')
missing=()
for pkg in "${packages[@]}"; do
    status="$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)"
    [[ "$status" == "installed" ]] || missing+=("$pkg")
done

installed_now=0
if ((${#missing[@]} > 0)); then
    say "installing ${#missing[@]} packages: ${missing[*]}"
    SUDO=()
    if [[ "$(id -u)" != 0 ]]; then
        command -v sudo >/dev/null || { say "not root and no sudo: install ${missing[*]}"; exit 1; }
        SUDO=(sudo)
    fi
    mkdir -p "$ROOT/build"
    log="$ROOT/build/setup-apt.log"
    # `env` carries the variable through sudo, which would otherwise reset it.
    APT=("${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q)
    # apt's chatter goes to a log; it is shown only when something fails.
    if ! { "${APT[@]}" update && "${APT[@]}" install -y --no-install-recommends "${missing[@]}"; } \
           >"$log" 2>&1 </dev/null; then
        tail -n 40 "$log"
        say "package installation failed (full log: $log)"
        exit 1
    fi
    installed_now=1
fi

# --- CUDA ----------------------------------------------------------------------------------
# gpu/ builds wherever nvcc exists; elsewhere the project is CPU-only and says so once.
with_cuda=OFF
if [[ -x /usr/local/cuda/bin/nvcc ]] || command -v nvcc >/dev/null; then
    with_cuda=ON
fi

# --- configure -----------------------------------------------------------------------------
# Ninja re-runs CMake by itself when a CMakeLists changes, so configure explicitly only when
# there is no build yet, packages just arrived, or CUDA appeared/disappeared.
cached_cuda="$(sed -n 's/^MOE_WITH_CUDA:BOOL=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null || true)"
if [[ ! -f "$BUILD_DIR/build.ninja" || $installed_now == 1 || "$cached_cuda" != "$with_cuda" ||
      "${MOE_RECONFIGURE:-0}" == 1 ]]; then
    say "configuring ($PRESET, CUDA $with_cuda)..."
    mkdir -p "$BUILD_DIR"
    log="$BUILD_DIR/configure.log"
    if ! cmake --preset "$PRESET" -DMOE_WITH_CUDA="$with_cuda" >"$log" 2>&1 </dev/null; then
        cat "$log"
        say "configure failed"
        exit 1
    fi
    # The project's own summary lines ("-- MoE ...") are the part worth reading every time.
    grep -E '^-- MoE' "$log" || true
fi

# --- build ---------------------------------------------------------------------------------
say "building ($PRESET, -j$CMAKE_BUILD_PARALLEL_LEVEL)..."
cmake --build --preset "$PRESET" -j "$CMAKE_BUILD_PARALLEL_LEVEL" </dev/null
