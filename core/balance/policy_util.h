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

// What one layer of a placement change did: a stored decision row holds one of these per
// layer, so a reader can tell which layers a rebalance helped and which it moved.
struct LayerChange {
    double balancednessBefore = 0, balancednessAfter = 0;  // mean/max rank load, same load
    int movedExperts = 0;                                  // experts whose replica set changed
    size_t movedBytes = 0;  // weights copied to ranks that gain a replica
};

// Per layer, `before` -> `after` under `load` (L x E, tokens or shares: balancedness does not
// depend on the scale). Moved experts and bytes count as fillMovement does, so they sum to a
// policy result's totals. Throws moe::Error when the shapes disagree.
std::vector<LayerChange> layerChanges(const Placement& before, const Placement& after,
                                      const std::vector<double>& load, size_t expertBytes);

// Mean over layers of balancedness (mean/max rank load) of `placement` under `load` (L x E).
double meanBalancedness(const Placement& placement, const std::vector<double>& load);

}  // namespace moe
