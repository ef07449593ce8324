#!/usr/bin/env bash
# Runs a command under mpirun with N ranks for ctest, or skips (exit 77) with the reason when
# this machine cannot: no mpirun, or mpirun cannot start N ranks (no slots, no transport).
# Probe runs tell "cannot start" from "started and failed" (alone, then with N ranks), so a
# broken test never passes as a skip. Usage: run_mpi_test.sh MPIRUN N PROBE_COMMAND -- COMMAND...
#        run_mpi_test.sh MPIRUN N PROBE_COMMAND --script SCRIPT ARGS...  (SCRIPT runs as is and
#        launches its own jobs with $MOE_MPIRUN, the same mpirun and flags)
set -uo pipefail
mpirun="$1" n="$2" probe="$3"
shift 3
script=""
if [[ "${1:-}" == "--script" ]]; then
    script="$2"
    shift 2
elif [[ "${1:-}" == "--" ]]; then
    shift
fi

if [[ -z "$mpirun" || ! -x "$(command -v "$mpirun" 2>/dev/null)" ]]; then
    echo "SKIPPED: mpirun not found ('$mpirun'); install openmpi-bin to run the MPI tests"
    exit 77
fi
# The probe first runs alone (one rank, no mpirun job): if that fails, the test binary itself
# is broken (a crash, a sanitizer report at exit) and that is a failure, never a skip.
if ! out=$(timeout 60 "$probe" --probe 2>&1); then
    echo "FAILED: the MPI probe fails on its own, before any ranks are launched:"
    echo "$out" | tail -n 30
    exit 1
fi
# --oversubscribe: more ranks than cores on a CI machine; --allow-run-as-root: CI containers.
# Waiting ranks yield the core instead of spinning, or oversubscribed ranks starve each other.
flags=(--oversubscribe --allow-run-as-root --mca mpi_yield_when_idle 1 -np "$n")
if ! out=$(timeout 60 "$mpirun" "${flags[@]}" "$probe" --probe 2>&1); then
    # Ranks that came up and synchronised and then failed are a broken run, not a machine
    # that cannot launch them.
    if grep -q "mpi probe: $n ranks up" <<<"$out"; then
        echo "FAILED: the MPI probe started $n ranks, then failed:"
        echo "$out" | tail -n 30
        exit 1
    fi
    echo "SKIPPED: mpirun could not start $n ranks here:"
    echo "$out" | tail -n 15
    exit 77
fi
if [[ -n "$script" ]]; then
    export MOE_MPIRUN="$mpirun ${flags[*]}"
    exec timeout 300 bash "$script" "$@"
fi
exec timeout 300 "$mpirun" "${flags[@]}" "$@"
