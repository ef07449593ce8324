// MoETuner's ILP 1 (methods.md section 3): split one layer's experts into G clusters whose
// token loads are as even as possible, minimising sum_c |T_c - mean|. Its clusters are what
// ILP 2 (moetuner_mapping.h) then places on GPUs.
#pragma once

#include <span>
#include <vector>

#include "core/balance/moetuner_milp.h"

namespace moe {

struct BalanceIlpResult {
    std::vector<int> clusterOf;       // expert -> cluster
    std::vector<double> clusterLoad;  // T_c
    double deviation = 0;             // sum_c |T_c - mean|, the objective
    double bound = 0;                 // solver's proven lower bound on the objective
    // (deviation - bound) / mean: the gap normalised by the mean cluster load, not by the
    // objective. The objective's own relative gap is degenerate: the LP relaxation always
    // balances exactly (bound 0), so (deviation - bound) / deviation is 100% until the solver
    // finds a perfect split. Since sum_c |T_c - mean| >= 2 (max_c T_c - mean), a normalised
    // gap g with bound 0 keeps the slowest cluster within g/2 of the mean.
    double gap = 0;
    MilpStatus status = MilpStatus::Failed;
    double seconds = 0;
    bool fromStart = false;  // the solver found nothing better than the greedy start
};

// The formulation: x[c][e] in {0,1}; every expert in exactly one cluster (the paper leaves this
// out); every cluster non-empty; expert counts per cluster between floor(E/G) and ceil(E/G),
// i.e. equal when G divides E, so every GPU holds the same number of expert weights; deviations
// d_c >= +-(T_c - mean), minimise sum_c d_c. Symmetry breaking: clusters are interchangeable, so
// they are numbered by their lowest expert, which allows expert e only in clusters 0..e (expert
// 0 is in cluster 0). The warm start is greedyBalance() below.
// options.relativeGap is applied to the normalised gap above (as CBC's absolute gap
// relativeGap * mean). Throws moe::Error when there are fewer experts than clusters, or a
// load is negative or not finite.
BalanceIlpResult solveBalanceIlp(std::span<const double> load, int clusters,
                                 const MilpOptions& options);

// A lower bound on min sum_c |T_c - mean| under the formulation's expert counts, from the
// heavy side: sum_c |T_c - mean| = 2 sum_c (T_c - mean)^+ >= 2 sum over the m clusters that
// hold the k heaviest experts of (T_c - mean), and those m clusters carry the k heaviest loads
// plus at least m * floor(E/G) - k others (at least the lightest). The bound is the largest over
// k of the smallest over feasible m. The LP relaxation's bound is 0; with a few hot experts on
// many GPUs (2 experts a GPU, say) this one is what lets a good split be called good, where
// CBC could only run to its time limit on every layer.
double deviationLowerBound(std::span<const double> load, int clusters);

// The warm start: heaviest expert first into the lightest cluster that still has room under
// the count bounds; then swaps of two experts (or moves between a ceil- and a floor-sized
// cluster) while they lower the deviation; then, until the deviation is at most `target`,
// up to 3,000 rounds of iterated local search (a few random swaps, descend, keep if no
// worse; fixed seed). Clusters renumbered by their lowest expert.
std::vector<int> greedyBalance(std::span<const double> load, int clusters, double target = 0);

}  // namespace moe
