// The "spare slots only" budget, as MoE-GPS duplicates: every expert keeps its slot in a fixed
// base placement (contiguous), and only the slots a rank has beyond its base experts take
// replicas. Any policy's plan becomes such a placement: its replica counts say which experts
// deserve copies, its rank choices are kept where a spare slot allows, and hot experts are
// served first. The base never moves, so only replicas are ever copied.
#pragma once

#include <vector>

#include "core/balance/placement.h"

namespace moe {

// `planned` recast onto `base` (one replica per expert) with at most `slotsPerRank` replicas
// per rank; `load` is layers x experts (expected pairs), which orders the experts that compete
// for spare slots. Throws moe::Error when the shapes differ or the base already overfills a
// rank.
Placement keepBaseFillSpare(const Placement& base, const Placement& planned, int slotsPerRank,
                            const std::vector<double>& load);

}  // namespace moe
