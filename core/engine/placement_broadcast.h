// One placement for every process. With one rank per process only rank 0 runs the rebalancer,
// and every rank must then route with exactly the same placement: a replica boundary that
// differs by one ulp of a share would send a row to a rank that does not expect it.
#pragma once

#include "core/balance/placement.h"
#include "core/comm/communicator.h"

namespace moe {

// Collective. The root sends `placement`; every rank, the root included, replaces its own with
// what was decoded from the same bytes, so all hold bit-identical shares.
void broadcastPlacement(Communicator& comm, Placement& placement, int root = 0);

}  // namespace moe
