#!/bin/sh
# Rebuilds the bundled subset of the GPT-OSS-20B routing trace from the full trace.
# Selection rule: keep every sequence whose seq_id is a multiple of 6, whole and in file order
# (118 of 703 sequences, 35,473 tokens, all 11 datasets represented).
# Usage: make_subset.sh [DIR_WITH_FULL_TRACE]
#   default: ../shared/data/traces/gpt-oss-20b beside the repository root.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=${1:-"$here/../../../../shared/data/traces/gpt-oss-20b"}
step=6

awk -F'\t' -v step="$step" 'NR == 1 || $1 % step == 0' \
    "$src/gptoss20b_sequences.tsv" > "$here/gptoss20b_sequences_subset.tsv"
gzip -dc "$src/gptoss20b_decode_routing.tsv.gz" \
    | awk -F'\t' -v step="$step" '$1 % step == 0' \
    | gzip -9n > "$here/gptoss20b_decode_routing_subset.tsv.gz"
rm -f "$here/gptoss20b_decode_routing_subset.shape"
cat "$src/gptoss20b_decode_routing.shape" > "$here/gptoss20b_decode_routing_subset.shape"
