#!/usr/bin/env bash
# The what-if matrix benchmark (issue 14): 7 load predictors x 4 policies x 2 cadences on the
# GPT-OSS-20B trace, continuous batching B=256, 4 ranks, 40 slots; its wall time as a ratio to
# one combination's (last x eplb every 50, plus the bounds) timed in the same run; the whole
# matrix into bench/results/<date>-<machine>-whatif.md.
# Then, in the same file: token-level predictors, threshold schedules and the spare-slot budget
# on the same trace, and the lookahead pre-gate on the live-trained model (train:, which carries
# router inputs), scored after a warm-up.
# Usage: bench/run_whatif.sh [build-dir]   (default build/release; run scripts/setup.sh first)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/release}
cli=$build/app/moe-workbench-cli
cmake --build "$build" -j2 --target moe-workbench-cli >/dev/null
cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
machine=$(echo "${cpu:-cpu}" | tr -cs 'A-Za-z0-9' '-' | sed 's/-$//' | cut -c1-40)
out=$root/bench/results/$(date +%F)-$machine-whatif.md
csv=$(mktemp)
csv_token=$(mktemp)
csv_train=$(mktemp)
csv_pregated=$(mktemp)
trap 'rm -f "$csv" "$csv_token" "$csv_train" "$csv_pregated"' EXIT
common=(whatif -w trace:gpt-oss-20b -B 256 --slots 40 -G 4 --no-db)
seconds() {
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b - a}'
}
# One markdown row per CSV row (python's csv module: predictor specs may hold quoted commas);
# with a second argument "budget" or "layers", that column too (layers: gap closed per layer).
table() {
  python3 - "$1" "${2:-}" <<'PY'
import csv, sys
for r in csv.DictReader(open(sys.argv[1])):
    th = float(r["threshold"] or 0)
    every = f"<{th:.2f}" if th > 0 else r["every"]
    policy = r["policy"] + ("+relabel" if r["migration_aware"] == "1" else "")
    cells = [r["predictor"], policy, every, f'{float(r["slowest_over_ideal"]):.4f}',
             f'{100 * float(r["gap_closed"]):.1f}%', f'{float(r["moved_experts_per_step"]):.2f}',
             f'{float(r["moved_bytes_per_step"]) / 1048576:.1f}',
             f'{float(r["predictor_us"]):.1f}', f'{float(r["modelled_ms_per_step"]):.2f}']
    if sys.argv[2] == "budget":
        cells.append(r["budget"])
    elif sys.argv[2] == "layers":
        cells.append(" / ".join(f"{100 * float(g):.0f}%" for g in r["gap_closed_by_layer"].split()))
    print("| " + " | ".join(cells) + " |")
PY
}

one=$(seconds "$cli" "${common[@]}" -p last --policy eplb --every 50 --format csv)
matrix_args=(-p last -p ema -p sw_avg -p sw_avg:window=10 -p dist_only -p arima -p lstm
             --policy eplb --policy gps --policy fastermoe --policy harmoeny --every 1 --every 50)
all=$(seconds "$cli" "${common[@]}" "${matrix_args[@]}" --format csv -o "$csv")
ratio=$(awk -v a="$all" -v b="$one" 'BEGIN{printf "%.1f", a / b}')
arima_only=$(seconds "$cli" "${common[@]}" -p arima --policy eplb --policy gps --policy fastermoe \
             --policy harmoeny --every 1 --every 50 --format csv)
token_args=(-p sw_avg -p affinity -p seq_history -p t2e_freq --policy eplb --policy gps
            --every 1 --every 50 --threshold 0.9 --budget both)
token_time=$(seconds "$cli" "${common[@]}" "${token_args[@]}" --format csv -o "$csv_token")
train_warmup=300
train_cmd=(whatif -w train:steps=600 -n 600 --warmup "$train_warmup" --no-db -p last -p sw_avg
           -p affinity -p seq_history -p t2e_token -p t2e_token:decay=0.6
           -p t2e_ngram:n=3,decay=0.6 -p pregate:lr=0.003,epochs=3
           -p pregate:lr=0.003,epochs=3,decay=0.6
           -p pregate:lr=0.003,epochs=3,hard=1,decay=0.6,linear=1,first_n=3,blend=0.2
           -p t2e_ffn:lr=0.003,epochs=3 --own-input-ceiling --policy eplb --every 1)
train_time=$(seconds "$cli" "${train_cmd[@]}" --format csv -o "$csv_train")
# The same on the model trained as Pre-gated MoE (each block routed by the block before's input).
pregated_cmd=(whatif -w train:steps=600,pregated=1 -n 600 --warmup "$train_warmup" --no-db
              -p sw_avg -p t2e_token:decay=0.6 -p t2e_ngram:n=3,decay=0.6
              -p pregate:lr=0.003,epochs=3,hard=1,first_n=1,first_inputs=0
              -p pregate:lr=0.003,epochs=3,hard=1,decay=0.6,first_n=1,first_inputs=0
              -p pregate:lr=0.003,epochs=3,hard=1,decay=0.6,first_inputs=0
              -p pregate:lr=0.003,epochs=3,hard=1,decay=0.6,linear=1,first_inputs=0
              -p pregate:lr=0.003,epochs=6,hard=1,decay=0.5,linear=1,first_n=3,blend=0.2,first_inputs=0
              -p pregate:lr=0.003,epochs=6,hard=1,decay=0.5,linear=1,first_n=3,blend=0.2
              -p pregate:lr=0.003,epochs=6,hard=1,decay=0.5,linear=1,first_n=3,blend=0.2,correct=0.03,nets=2
              -p pregate:lr=0.003,epochs=6,hard=1,decay=0.5,linear=1,first_n=3,blend=0.2,correct=0.03,nets=2,replay=1
              -p pregate:lr=0.003,epochs=6,hard=1,decay=0.5,linear=1,first_n=3,blend=0.2,correct=0.03,nets=2,replay=1,seed=2
              -p t2e_ffn:lr=0.003,epochs=3,hard=1 --own-input-ceiling --policy eplb --every 1)
pregated_time=$(seconds "$cli" "${pregated_cmd[@]}" --format csv -o "$csv_pregated")
header="| predictor | policy | every | slowest/ideal | gap closed | moved | MiB | predictor us | modelled ms |"
{
  echo "# What-if matrix, $(date +%F)"
  echo
  echo "Machine: $cpu, $(nproc) hardware threads. Commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)."
  echo "Command: \`bench/run_whatif.sh\` (\`moe-workbench-cli ${common[*]} ${matrix_args[*]}\`)."
  echo
  echo "| measure | value | goal |"
  echo "|---|---|---|"
  echo "| one combination (last x eplb every 50, with both bounds) | ${one} s | reference |"
  echo "| whole matrix, 7 x 4 x 2 = 56 combinations and 5 bounds | ${all} s | under 10 s |"
  echo "| matrix / one combination | ${ratio} | |"
  echo "| of which \`-p arima\` alone (its 8 lanes and the bounds) | ${arima_only} s | |"
  echo
  echo "The matrix (slowest/ideal: the slowest rank's pairs over pairs/ranks, mean over steps and"
  echo "layers; gap closed against the same policy's oracle; per step: experts moved, MiB copied,"
  echo "the predictor's wall time learning and forecasting, modelled ms at 400 TFLOP/s per rank"
  echo "and 50 GB/s copies):"
  echo
  echo "$header"
  echo "|---|---|---|---|---|---|---|---|---|"
  table "$csv"
  echo
  echo "## Token-level predictors, thresholds and budgets (GPT-OSS, same setting)"
  echo
  echo "Command: \`moe-workbench-cli ${common[*]} ${token_args[*]}\` (${token_time} s)."
  echo "Token-level predictors plan during the step, each layer from what exists before it routes."
  echo "Budget 'spare': each expert keeps its contiguous slot, replicas only in spare slots, scored"
  echo "against the spare-slot oracle. Schedule '<0.90': planned when the forecast's balancedness"
  echo "on the current placement is below 0.90."
  echo
  echo "${header} budget |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  table "$csv_token" budget
  echo
  echo "## Lookahead pre-gate on the live-trained model"
  echo
  echo "Command: \`moe-workbench-cli ${train_cmd[*]}\` (${train_time} s), scored after a"
  echo "${train_warmup}-step warm-up in which the model and the predictors learn. The t2e_ffn row"
  echo "is a bound, not a strategy: the same network reading each layer's own router input,"
  echo "which exists only as that layer routes (the pre-gate reads the layer before's)."
  echo
  echo "$header"
  echo "|---|---|---|---|---|---|---|---|---|"
  table "$csv_train"
  echo
  echo "## Lookahead pre-gate on the pre-gated model"
  echo
  echo "Command: \`moe-workbench-cli ${pregated_cmd[*]}\` (${pregated_time} s). Here each block's"
  echo "gate reads the block before's router input, the very input the pre-gate learns from;"
  echo "hard=1 counts each token's top-k guess instead of summing its softmax. Layer 0 has no"
  echo "earlier router input: the pre-gate reads the model's input (token and position"
  echo "embeddings) of the token and the two before it with a network (first_inputs=3 unless"
  echo "given), blended 0.3 with a table of the recent choices of the token's id and the"
  echo "first_n - 1 ids before it; first_inputs=0 is the table alone (first_n=2 unless given;"
  echo "first_n=1 the id alone; decay=0.6 weighs a step 0.6 as much as the next one, without it"
  echo "all history counts alike)."
  echo "linear=1 adds a linear path beside the network's hidden layers (the router is linear in"
  echo "its input); blend=0.2 mixes a fifth of the token-context table's loads into layers 1.."
  echo "The last column is the gap closed on each layer, 0 to 3."
  echo
  echo "${header} by layer |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  table "$csv_pregated" layers
} > "$out"
echo "written: $out"
