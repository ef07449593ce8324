#!/usr/bin/env bash
# The house style is whatever .clang-format says; this fails (and names the files) when a
# C++/CUDA source drifts from it, so CI catches it rather than a reviewer.
# Usage: scripts/check-format.sh [--fix]   (--fix rewrites the files in place instead)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CLANG_FORMAT="${CLANG_FORMAT:-clang-format}"
command -v "$CLANG_FORMAT" >/dev/null || { echo "format: $CLANG_FORMAT not found"; exit 1; }

# Tracked files plus new ones not yet added (but not ignored ones), so it works before a commit.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    mapfile -t files < <(git ls-files --cached --others --exclude-standard -- \
        '*.h' '*.hpp' '*.cpp' '*.cu' '*.cuh' | sort -u)
else
    mapfile -t files < <(find . -path ./build -prune -o -type f \
        \( -name '*.h' -o -name '*.hpp' -o -name '*.cpp' -o -name '*.cu' -o -name '*.cuh' \) \
        -print | sort)
fi
# Drop files listed but deleted from the work tree.
existing=()
for f in "${files[@]}"; do [[ -f "$f" ]] && existing+=("$f"); done
((${#existing[@]} > 0)) || { echo "format: no C++ sources found"; exit 0; }

if [[ "${1:-}" == "--fix" ]]; then
    "$CLANG_FORMAT" -i "${existing[@]}"
    echo "format: rewrote ${#existing[@]} files"
    exit 0
fi

bad=()
for f in "${existing[@]}"; do
    "$CLANG_FORMAT" --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if ((${#bad[@]} > 0)); then
    for f in "${bad[@]}"; do
        "$CLANG_FORMAT" --dry-run -Werror "$f" 2>&1 | head -n 20 || true
    done
    echo "format: ${#bad[@]} of ${#existing[@]} files need clang-format: ${bad[*]}"
    echo "format: fix with scripts/check-format.sh --fix"
    exit 1
fi
echo "format: ${#existing[@]} files clean"
