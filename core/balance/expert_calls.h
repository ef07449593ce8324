// How many expert calls each rank makes in one layer: one per expert or replica it holds that
// gets rows, split as the engine splits a replicated expert's rows. A call has a fixed cost
// beyond its rows (on a CPU, streaming the expert's weights where the products do not hide it;
// on a GPU, a launch and the weight reads of a small batch), which is what a replica costs.
// Shared by the engine's fitted model and the what-if's modelled time, so both count alike.
#pragma once

#include <vector>

#include "core/balance/placement.h"
#include "core/stats/load_matrix.h"

namespace moe {

// calls[r] (resized to the placement's ranks) = expert calls of rank r in `layer` for `loads`;
// two slots of one expert on one rank are one call, as the engine runs them.
void expertCallsPerRank(const Placement& p, const LoadMatrix& loads, int layer,
                        std::vector<double>& calls);

}  // namespace moe
