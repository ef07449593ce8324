#!/usr/bin/env bash
# Checks run_mpi_test.sh's verdicts, since a wrong one hides broken MPI tests as skips (a
# sanitized build once failed its probe at exit and all four MPI tests read as skipped).
# Each case gives the runner a probe that behaves one way and expects its exit status:
# 1 for a binary that fails alone or after its ranks came up, 77 only when mpirun is missing.
# Usage: runner_verdict_test.sh MPIRUN
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mpirun="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0

probe() {  # probe NAME BODY: a probe program whose --probe run executes BODY
    printf '#!/usr/bin/env bash\n%s\n' "$2" >"$work/$1"
    chmod +x "$work/$1"
    echo "$work/$1"
}

expect() {  # expect STATUS DESCRIPTION MPIRUN PROBE
    local want="$1" what="$2" out status
    out=$(bash "$here/run_mpi_test.sh" "$3" 2 "$4" -- true 2>&1)
    status=$?
    if [[ "$status" != "$want" ]]; then
        echo "WRONG: $what: exit $status, expected $want; the runner said:"
        echo "$out" | sed 's/^/    /'
        failures=$((failures + 1))
    else
        echo "ok: $what (exit $status)"
    fi
}

broken_alone=$(probe broken_alone 'echo "ASan: leak at exit" >&2; exit 23')
expect 77 "no mpirun is a skip" "/nonexistent/mpirun" "$broken_alone"
if [[ -n "$mpirun" && -x "$(command -v "$mpirun" 2>/dev/null)" ]]; then
    expect 1 "a probe that fails on its own is a failure" "$mpirun" "$broken_alone"
    # Succeeds alone (no OMPI rank variable), fails after saying its ranks came up under mpirun.
    up_then_fail=$(probe up_then_fail '[[ -z "${OMPI_COMM_WORLD_RANK:-}" ]] && exit 0
[[ "$OMPI_COMM_WORLD_RANK" == 0 ]] && echo "mpi probe: 2 ranks up"
exit 9')
    expect 1 "ranks that came up and then failed are a failure" "$mpirun" "$up_then_fail"
else
    echo "SKIPPED: mpirun not found ('$mpirun'): the launched cases were not checked"
    ((failures == 0)) && exit 77
fi
exit $((failures > 0))
