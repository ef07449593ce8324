// Small pieces every policy needs: checking an input, the placement a policy starts from,
// a layer's loads in tokens, per-rank memory slots, and the movement bookkeeping of a result.
// Kept here so each policy file holds only its own algorithm.
#pragma once

#include <climits>
#include <string>
#include <vector>

#include "core/balance/policy.h"

namespace moe {

// Throws moe::Error when the input's sizes disagree or a load is negative or not finite.
void validatePolicyInput(const PolicyInput& input, const std::string& policy);

// The placement to improve: a copy of input.current when it matches the shape, else contiguous.
Placement startingPlacement(const PolicyInput& input);

// One layer's loads, multiplied by input.tokensPerLayer when that is set (loads are shares).
std::vector<double> layerLoads(const PolicyInput& input, int layer);

// Policies that move whole tokens need token counts: throws when a layer's load sums to more
// than zero but less than one token per rank (shares passed without tokensPerLayer).
void requireTokenUnits(const std::vector<double>& load, int layer, int ranks,
                       const std::string& policy);

// Expert slots a rank may hold under budget.memoryPerRankBytes (INT_MAX without a bound).
int memorySlotsPerRank(const PolicyInput& input);

// Copies one expert may have: `override` when > 0, else the budget's cap, else the rank count.
int copyCap(const PolicyInput& input, int override);

// Fills result.movedExperts and result.movedBytes against input.current (zeros without one).
void fillMovement(PolicyResult& result, const PolicyInput& input);

// Mean over layers of balancedness (mean/max rank load) of `placement` under `load` (L x E).
double meanBalancedness(const Placement& placement, const std::vector<double>& load);

}  // namespace moe
