// The combinatorial side of MoETuner's ILP 2. With the earlier layer placed, one layer pair's
// ILP is a bottleneck assignment; when the links form node blocks (one bandwidth inside a
// node, one between: every preset), GPUs inside a block are interchangeable, which makes the
// whole ILP 2 an exact dynamic programme, and gives lower bounds for the gap otherwise.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/balance/moetuner_mapping.h"

namespace moe {

// Linear bottleneck assignment: the permutation row -> column (n x n `weight`, row-major)
// whose largest chosen weight is smallest; that weight goes to *value when given. Exact:
// thresholds in sorted order, each checked by bipartite matching.
std::vector<int> bottleneckAssignment(const std::vector<double>& weight, int n,
                                      double* value = nullptr);

// Slowest link of layer pair l when layer l is mapped by `prev` (cluster -> GPU), minimised
// over layer l+1's mapping; the mapping that reaches it goes to *next when given. This is ILP
// 2's per-pair problem: with the earlier layer fixed, it is a bottleneck assignment.
double bestNextLayer(const MappingProblem& problem, int l, const std::vector<int>& prev,
                     std::vector<int>* next = nullptr);

// Every mapping of one layer's clusters onto GPUs up to permuting GPUs inside node blocks
// (see pairLowerBounds): which clusters share a block, each block's GPUs filled in order.
// Empty when the links do not form node blocks or there are over 20,000 such mappings.
std::vector<std::vector<int>> blockMappings(const MappingProblem& problem);

struct BlockSolution {
    std::vector<std::vector<int>> gpuOf;  // [layer][cluster] -> GPU
    double cost = 0;                      // the optimum of ILP 2
    int states = 0;                       // block mappings per layer
};

// ILP 2 solved to optimality when the links form node blocks and a layer has at most 100
// block mappings (70 for 8 GPUs in two nodes, 1 with uniform links); nullopt otherwise. Why it
// is exact: permuting GPUs inside a block, in every layer at once, changes no cost, so the
// best cost of layers l.. depends only on which clusters of layer l share a block (a block
// mapping). Over those states, a dynamic programme layer by layer; the step between two states
// is a bottleneck assignment with each cluster kept to its block. (states^2 x (layers - 1)
// assignments: 0.1 to 1 s for 8 GPUs in two nodes and 24 layers.)
std::optional<BlockSolution> solveByBlocks(const MappingProblem& problem);

struct PairBounds {
    std::vector<double> perPair;  // (layers - 1): a lower bound on each pair's slowest link
    bool exact = false;           // each is the pair's true minimum over both layers' mappings
    std::string how;
};

// Exact when the links form node blocks (one bandwidth inside a block, one between blocks:
// uniform, nvlink4, pcie4, 2node_ib): permuting GPUs inside a block changes no cost, so it
// enumerates which clusters of layer l share a block (70 ways for 8 GPUs in 2 nodes) and
// solves layer l+1 by bottleneck assignment for each. Otherwise, or past 20,000 ways, every
// link is taken as fast as the fastest one (a weaker bound).
PairBounds pairLowerBounds(const MappingProblem& problem);

}  // namespace moe
