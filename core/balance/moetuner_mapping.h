// MoETuner's ILP 2 (methods.md section 3): given each layer's clusters (ILP 1), choose which GPU
// hosts which cluster, layer by layer, so that the slowest GPU-to-GPU transfer between
// consecutive layers, summed over the layers, is as small as possible.
#pragma once

#include <string>
#include <vector>

#include "core/balance/moetuner_milp.h"

namespace moe {

// G clusters per layer onto G GPUs. traffic[(l * G + c1) * G + c2]: tokens from cluster c1 of
// layer l to cluster c2 of layer l+1, (layers - 1) x G x G.
struct MappingProblem {
    int layers = 0;
    int gpus = 0;
    std::vector<double> traffic;
    std::vector<double> bandwidth;  // G x G GB/s, row = sender, diagonal ignored; empty = uniform

    double trafficAt(int l, int c1, int c2) const {
        return traffic[(static_cast<size_t>(l) * gpus + c1) * gpus + c2];
    }
    // Cost of one token on the link g1 -> g2: 0 on one GPU, else (fastest link) / B[g1][g2],
    // so costs are tokens moved at the fastest link's speed (tokens, with uniform links).
    double linkCost(int g1, int g2) const;
    std::vector<double> linkCosts() const;  // G x G of linkCost
    // True when every link between two GPUs has the same bandwidth: relabelling GPUs then keeps
    // every cost, so each layer pair's cost depends only on which clusters share a GPU.
    bool uniform() const;
};

// C of ILP 2 from MoETuner's R: transitions is (layers - 1) x E x E (transition_counts.h),
// clusterOf[l][e] the cluster of expert e in layer l.
std::vector<double> clusterTraffic(const std::vector<double>& transitions, int layers, int experts,
                                   const std::vector<std::vector<int>>& clusterOf, int clusters);

// Slowest link of layer pair l: max over GPU pairs g1 != g2 of the tokens between them times
// linkCost; a and b map the clusters of layers l and l+1 to GPUs.
double pairCost(const MappingProblem& problem, int l, const std::vector<int>& a,
                const std::vector<int>& b);
// The objective: the sum of pairCost; perPair (optional) receives each term.
double mappingCost(const MappingProblem& problem, const std::vector<std::vector<int>>& gpuOf,
                   std::vector<double>* perPair = nullptr);

enum class ProductLinearisation {
    // The paper's: w >= y + y' - 1 for GPU pairs g1 != g2 with traffic. w <= y and w <= y'
    // are left out: the costs are >= 0, so the minimisation never pushes w up.
    McCormick,
    // w[c1 g1 c2 g2] for every GPU pair with sum_g2 w = y[l][c1][g1] (for each c2) and
    // sum_g1 w = y[l+1][c2][g2] (for each c1): for 0/1 y these force w = y y'. It looks
    // tighter, but fractional y still co-locate every cluster pair at no cost, so its LP bound
    // is no better here, and its LP is slow (4 s at the root for 4 GPUs and 23 layer pairs).
    Assignment,
};

enum class MappingMethod {
    // Default. Links in node blocks (every preset; uniform links included): solved to
    // optimality by solveByBlocks() (moetuner_blocks.h). Otherwise layer by layer: with layer l
    // placed, layer l+1's ILP (G^2 binaries; the products are linear once y of layer l is
    // known) is a bottleneck assignment, solved exactly; from layer 0 = identity.
    Exact,
    // Layer by layer as above from layer 0 = identity, each step's ILP through CBC, to the gap
    // and time limit. The same per-step optimum, in milliseconds instead of microseconds.
    CbcLayerByLayer,
};

struct MappingOptions {
    MilpOptions milp;  // for each CBC solve
    MappingMethod method = MappingMethod::Exact;
    // 1 (default): nothing more. K > 1: afterwards, re-solve windows of K consecutive layer
    // pairs jointly with the paper's product formulation through CBC (moetuner_joint.h),
    // warm-started from the answer so far, the layer before each window fixed; 0: the whole
    // model in one joint ILP. That has G^4 products per layer pair and an LP bound near zero:
    // on the GPT-OSS trace (4 GPUs, two nodes), started from CBC's layer-by-layer answer, it
    // improved nothing in 10 s. Kept to compare with the paper's formulation.
    int jointPairs = 1;
    ProductLinearisation products = ProductLinearisation::McCormick;
};

struct MappingResult {
    std::vector<std::vector<int>> gpuOf;  // [layer][cluster] -> GPU
    std::vector<double> pairCost;         // per layer pair: its slowest link (see linkCost)
    double cost = 0;                      // sum of pairCost: the objective
    // A lower bound on the optimum of the whole problem (moetuner_blocks.h), and
    // gap = (cost - bound) / cost against it.
    double bound = 0, gap = 0;
    bool exactPairBounds = false;  // the bound is the sum of each pair's true minimum
    std::string boundHow;
    MappingMethod method = MappingMethod::Exact;
    bool provenOptimal = false;  // solved by solveByBlocks, joint windows changed nothing
    int blockStates = 0;         // solveByBlocks' states per layer (0 when not used)
    int solves = 0;              // CBC calls
    MilpStatus worstStatus = MilpStatus::Optimal;  // over the CBC calls (Optimal without any)
    double seconds = 0;                            // everything, bound included, wall clock
    double greedyCost = 0;        // co-location greedy layer by layer, for comparison
    double layerByLayerCost = 0;  // exact steps layer by layer from the identity, likewise
    int jointWindows = 0;

    std::string describe() const;
};

// Throws moe::Error on inconsistent sizes.
MappingResult solveMappingIlp(const MappingProblem& problem, const MappingOptions& options);

// Co-locate the heaviest cluster pairs of each layer pair, improved by pairwise swaps, layer
// by layer from `firstLayer`: the warm start of each CBC step.
std::vector<std::vector<int>> greedyMapping(const MappingProblem& problem,
                                            const std::vector<int>& firstLayer);

}  // namespace moe
