// ILP 2 exactly as the paper writes it, over a window of consecutive layers jointly: y[l][c][g]
// for every layer, the products y y' of consecutive layers linearised, one epigraph variable
// per layer pair. Its LP relaxation is weak (fractional y co-locate every cluster pair at no
// cost), so CBC rarely proves a gap with it; MoETuner's default is layer by layer
// (moetuner_mapping.h), and this is the optional joint refinement on top.
#pragma once

#include <vector>

#include "core/balance/moetuner_mapping.h"

namespace moe {

struct JointWindowResult {
    std::vector<std::vector<int>> gpuOf;  // layers first..last
    double bound = 0;                     // CBC's bound, given the fixed first layer
    MilpStatus status = MilpStatus::Optimal;
    double seconds = 0;
};

// One ILP over layers first..last (pairs first..last-1). Layer `first` is pinned to `fixed`
// unless that is empty. `start` (layers first..last) is the warm start and the answer kept
// when CBC finds nothing better.
JointWindowResult solveJointWindow(const MappingProblem& problem, int first, int last,
                                   const std::vector<int>& fixed,
                                   const std::vector<std::vector<int>>& start,
                                   ProductLinearisation products, const MilpOptions& options);

}  // namespace moe
