// The combinatorial lower bound that lets ILP 1 stop without CBC: never above the true optimum
// (checked by enumerating every split of small layers under the formulation's expert counts),
// and strong where the LP bound is useless (a few hot experts over many clusters).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <vector>

#include "core/balance/moetuner_balance.h"

namespace moe {
namespace {

// min over splits with floor(n/G)..ceil(n/G) experts (at least 1) per cluster.
double bruteForceOptimum(const std::vector<double>& load, int clusters) {
    const int n = static_cast<int>(load.size());
    const int lo = std::max(1, n / clusters), hi = (n + clusters - 1) / clusters;
    double mean = 0;
    for (double v : load) mean += v / clusters;
    std::vector<int> of(n, 0);
    double best = std::numeric_limits<double>::infinity();
    std::function<void(int)> place = [&](int e) {
        if (e == n) {
            std::vector<double> t(clusters, 0.0);
            std::vector<int> count(clusters, 0);
            for (int i = 0; i < n; ++i) t[of[i]] += load[i], ++count[of[i]];
            double d = 0;
            for (int c = 0; c < clusters; ++c) {
                if (count[c] < lo || count[c] > hi) return;
                d += std::fabs(t[c] - mean);
            }
            best = std::min(best, d);
            return;
        }
        for (int c = 0; c < clusters; ++c) {
            of[e] = c;
            place(e + 1);
        }
    };
    place(0);
    return best;
}

TEST(MoeTunerBound, NeverAboveTheOptimumOfSmallLayers) {
    std::mt19937 rng(7);
    std::lognormal_distribution<double> skewed(0.0, 1.2);
    int positive = 0;
    for (int trial = 0; trial < 60; ++trial) {
        const int clusters = 2 + trial % 3;            // 2..4
        const int n = clusters + 1 + (trial / 3) % 5;  // up to 8 experts
        std::vector<double> load(n);
        for (double& v : load) v = std::round(100 * skewed(rng));
        const double bound = deviationLowerBound(load, clusters);
        const double optimum = bruteForceOptimum(load, clusters);
        EXPECT_LE(bound, optimum + 1e-9) << "trial " << trial;
        positive += bound > 0;
    }
    EXPECT_GT(positive, 20);  // the bound says something on most skewed layers
}

TEST(MoeTunerBound, AHotExpertOnTwoExpertClustersIsBoundedTightly) {
    // 8 experts on 4 clusters of 2: the hot one (70) sits with at least the lightest (5), so
    // that cluster is >= 75 against a mean of 50; the rest can balance exactly.
    const std::vector<double> load = {70, 5, 35, 35, 20, 20, 5, 10};
    EXPECT_NEAR(deviationLowerBound(load, 4), 2 * (75 - 50.0), 1e-9);
    EXPECT_NEAR(bruteForceOptimum(load, 4), 50, 1e-9);
    // Solved without CBC: the greedy start meets the bound.
    MilpOptions o;
    const BalanceIlpResult r = solveBalanceIlp(load, 4, o);
    EXPECT_NEAR(r.deviation, 50, 1e-9);
    EXPECT_NEAR(r.gap, 0, 1e-9);
}

}  // namespace
}  // namespace moe
