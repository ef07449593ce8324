#!/usr/bin/env bash
# `mpirun -np N moe-workbench-cli run` end to end: the per-step loads it writes equal those of
# N in-process ranks on the same trace, rank 0 alone records the run (N ranks, the MPI layout
# in its configuration), and errors end every rank with one message instead of hanging.
# Run by run_mpi_test.sh, which sets $MOE_MPIRUN. Usage: cli_mpi_test.sh CLI N
set -euo pipefail
cli="$1" n="$2"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
common=(run --steps 5 --hidden 16 --ffn 24 --batch 12 --workload trace:gpt-oss-20b -q)

"$cli" "${common[@]}" --ranks "$n" --threads "$n" --loads-csv "$work/inproc.csv" --no-db \
    > "$work/inproc.out"
$MOE_MPIRUN "$cli" "${common[@]}" --loads-csv "$work/mpi.csv" --db "$work/runs.sqlite" \
    --name mpi-cli-test > "$work/mpi.out" 2>&1 || { cat "$work/mpi.out"; fail "mpirun run failed"; }
cmp "$work/inproc.csv" "$work/mpi.csv" || fail "per-step loads differ from $n in-process ranks"
[[ $(wc -l < "$work/mpi.csv") -gt 100 ]] || fail "loads CSV too short"
# Only rank 0 prints: one summary, one "saved" line.
[[ $(grep -c '^run [0-9]* saved' "$work/mpi.out") == 1 ]] || { cat "$work/mpi.out"; fail "not one saved line"; }

"$cli" runs show last --db "$work/runs.sqlite" > "$work/show.out"
grep -q "mpi-cli-test (finished)" "$work/show.out" || fail "run not recorded as finished"
grep -q "$n mpi ranks (one per process)" "$work/show.out" || fail "backend does not say MPI ranks"
grep -q "$n ranks" "$work/show.out" || fail "stored rank count is not $n"
grep -q '"processes": '"$n" "$work/show.out" || fail "configuration lacks the MPI layout"
[[ $("$cli" runs list --db "$work/runs.sqlite" | grep -c mpi-cli-test) == 1 ]] || fail "more than one run stored"

# A setting every rank rejects alike: one message, a clean non-zero exit, no MPI_Abort.
if $MOE_MPIRUN "$cli" run --ranks $((n + 1)) --no-db > "$work/bad.out" 2>&1; then
    fail "--ranks different from the process count was accepted"
fi
[[ $(grep -c "error: --ranks $((n + 1)) but MPI started $n processes" "$work/bad.out") == 1 ]] ||
    { cat "$work/bad.out"; fail "wrong or repeated --ranks message"; }
# Rank 0 cannot open the workload: the others learn it and stop too.
if $MOE_MPIRUN "$cli" run --workload trace:"$work/none.tsv.gz" --no-db > "$work/bad.out" 2>&1; then
    fail "a missing trace was accepted"
fi
[[ $(grep -c "error: .*none.tsv.gz" "$work/bad.out") == 1 ]] ||
    { cat "$work/bad.out"; fail "missing-trace message not printed exactly once"; }
echo "cli under mpirun with $n ranks: loads equal to in-process ranks, recorded once, errors clean"
