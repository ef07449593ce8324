// MoETuner's ILP 1 on hand-made loads: a perfect split that must be found, a split whose
// optimum is known and not zero, uneven expert counts, and the symmetry-breaking order.
#include "core/balance/moetuner_balance.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "core/common/error.h"

namespace moe {
namespace {

std::vector<int> counts(const std::vector<int>& clusterOf, int clusters) {
    std::vector<int> n(clusters, 0);
    for (int c : clusterOf) ++n[c];
    return n;
}

TEST(MoeTunerBalance, FindsThePerfectSplit) {
    // 36 tokens onto 2 clusters of 4 experts: {8, 7, 2, 1} and {6, 5, 4, 3} both make 18.
    const std::vector<double> load = {8, 7, 6, 5, 4, 3, 2, 1};
    const BalanceIlpResult r = solveBalanceIlp(load, 2, {});
    ASSERT_TRUE(r.status == MilpStatus::Optimal || r.status == MilpStatus::GapReached)
        << toString(r.status);
    EXPECT_NEAR(r.deviation, 0, 1e-9);
    EXPECT_NEAR(r.clusterLoad[0], 18, 1e-9);
    EXPECT_NEAR(r.clusterLoad[1], 18, 1e-9);
    EXPECT_EQ(counts(r.clusterOf, 2), (std::vector<int>{4, 4}));
    EXPECT_EQ(r.clusterOf[0], 0);  // symmetry breaking: expert 0 in cluster 0
    EXPECT_EQ(r.gap, 0);
}

TEST(MoeTunerBalance, ProvesANonZeroOptimum) {
    // Two clusters of two: the 10 must share with a 1, so T = {11, 2}, deviation 9 at best.
    const std::vector<double> load = {10, 1, 1, 1};
    MilpOptions o;
    o.relativeGap = 0;
    const BalanceIlpResult r = solveBalanceIlp(load, 2, o);
    EXPECT_EQ(r.status, MilpStatus::Optimal) << toString(r.status);
    EXPECT_NEAR(r.deviation, 9, 1e-9);
    EXPECT_NEAR(r.bound, 9, 1e-6);
}

TEST(MoeTunerBalance, EqualCountsEvenWhenCountsHurtBalance) {
    // Without the count constraint {12} | {4, 4, 4} would be perfect; with 2 per cluster the
    // best is {12, 4} | {4, 4}.
    const std::vector<double> load = {12, 4, 4, 4};
    const BalanceIlpResult r = solveBalanceIlp(load, 2, {});
    EXPECT_EQ(counts(r.clusterOf, 2), (std::vector<int>{2, 2}));
    EXPECT_NEAR(r.deviation, 8, 1e-9);
}

TEST(MoeTunerBalance, UnevenCountsStayWithinOne) {
    const std::vector<double> load = {9, 1, 5, 5, 3, 2, 8};  // 7 experts onto 3 clusters
    const BalanceIlpResult r = solveBalanceIlp(load, 3, {});
    const std::vector<int> n = counts(r.clusterOf, 3);
    for (int c : n) {
        EXPECT_GE(c, 2);
        EXPECT_LE(c, 3);
    }
    EXPECT_LE(r.gap, 0.025 + 1e-12);
}

TEST(MoeTunerBalance, ClustersNumberedByLowestExpert) {
    const std::vector<double> load = {3, 9, 2, 7, 5, 4, 6, 1, 8};
    const BalanceIlpResult r = solveBalanceIlp(load, 3, {});
    int seen = -1;
    for (int c : r.clusterOf) {
        EXPECT_LE(c, seen + 1);
        seen = std::max(seen, c);
    }
}

TEST(MoeTunerBalance, GreedyStartIsFeasible) {
    const std::vector<double> load = {5, 5, 5, 1, 1, 1, 9, 2};
    const std::vector<int> of = greedyBalance(load, 4);
    EXPECT_EQ(counts(of, 4), (std::vector<int>{2, 2, 2, 2}));
}

TEST(MoeTunerBalance, RejectsBadInput) {
    EXPECT_THROW(solveBalanceIlp(std::vector<double>{1, 2}, 3, {}), Error);
    EXPECT_THROW(solveBalanceIlp(std::vector<double>{1, -2, 3}, 2, {}), Error);
    EXPECT_THROW(solveBalanceIlp(std::vector<double>{1, 2}, 0, {}), Error);
}

}  // namespace
}  // namespace moe
