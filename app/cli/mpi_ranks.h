// How a command runs as one rank of an MPI job. Under mpirun (detected from the launcher's
// environment) or with --mpi, MPI is started and the command runs with the world communicator;
// otherwise it runs as before, with in-process ranks. Errors are settled here: one that every
// rank raised alike is printed once by rank 0 and the job ends normally; any other is printed
// by its rank and ends the whole job (MPI_Abort), since peers may be waiting for it.
#pragma once

#include <functional>

#include "core/comm/communicator.h"

namespace moe::cli {

struct RankContext {
    Communicator* comm = nullptr;  // null: this process runs all ranks (in-process)
    int localRanks = 1;            // MPI ranks on this machine (they share its cores and GPUs)
    int localRank = 0;             // this process among them
    int hosts = 1;                 // machines in the job
    bool root() const { return !comm || comm->rank() == 0; }
};

// What --mpi's help says about detection, shared by the commands that take it.
extern const char* const kMpiFlagHelp;

int runAsRanks(bool mpiFlag, const std::function<int(const RankContext&)>& body);

}  // namespace moe::cli
