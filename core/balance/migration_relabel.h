// Migration-aware placement: any policy's plan, relabelled rank by rank so that as many expert
// replicas as possible stay where they already are. Ranks of one flat cluster are
// interchangeable, so renaming them changes no rank's load, only which weights must be copied;
// per layer that is an assignment problem (planned rank -> current rank, maximising the
// replicas kept), solved exactly by the Hungarian method. Policies plan without regard to
// where experts sit (EPLB rebuilds its placement from the loads every time), so equal balance
// can move far fewer bytes.
#pragma once

#include "core/balance/placement.h"

namespace moe {

// `planned` with its ranks renamed per layer to keep the most replicas of `current` in place.
// Both must have the same shape. Token shares and replica order are kept.
Placement relabelForFewestMoves(const Placement& current, const Placement& planned);

// The permutation maximising sum gain[a][perm[a]] over a square matrix (n x n, row-major):
// the Hungarian method, O(n^3).
std::vector<int> bestAssignment(const std::vector<double>& gain, int n);

}  // namespace moe
