// Shared by the MPI test files: the world communicator the test main set up, and a way for
// all ranks to agree on a verdict. Every test runs on every rank with the same sequence of
// collectives, so tests use EXPECT (never an early-returning ASSERT) between collectives.
#pragma once

#include <cstdint>
#include <vector>

#include "mpi/mpi_communicator.h"

namespace moe::mpi::testing {

MpiCommunicator& world();

// Sum over ranks of a local count (of mismatches, say), identical on every rank.
inline int64_t sumOverRanks(MpiCommunicator& comm, int64_t mine) {
    std::vector<int64_t> all(comm.size());
    comm.allGather(&mine, sizeof mine, all.data());
    int64_t sum = 0;
    for (int64_t v : all) sum += v;
    return sum;
}

}  // namespace moe::mpi::testing
