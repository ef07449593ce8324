// Was this process started by an MPI launcher? mpirun/mpiexec put the job's size and this
// process's rank in the environment before MPI is initialised, so the CLI can decide to run
// one rank per process without linking MPI here (and can say so when the build lacks MPI).
#pragma once

#include <optional>
#include <string>

namespace moe {

struct MpiLaunch {
    int size = 1;
    int rank = 0;
    std::string variable;  // which variable said so, e.g. "OMPI_COMM_WORLD_SIZE"
};

// Open MPI (OMPI_COMM_WORLD_SIZE/RANK), MPICH, Intel MPI and Slurm PMI-2 (PMI_SIZE/PMI_RANK),
// MVAPICH (MV2_COMM_WORLD_SIZE/RANK). Empty when none is set; other launchers need --mpi.
std::optional<MpiLaunch> detectMpiLaunch();

}  // namespace moe
