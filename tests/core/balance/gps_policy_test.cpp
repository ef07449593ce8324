// MoE-GPS Algorithm 1 on loads with answers worked out by hand, its termination and effect on
// random loads, and the copy cap and memory bound it must respect.
#include "core/balance/gps_policy.h"

#include <gtest/gtest.h>

#include "core/common/error.h"
#include "tests/core/balance/policy_test_util.h"

namespace moe {
namespace {

using testing::makeInput;
using testing::maxOf;

TEST(GpsPolicy, MovesHalfTheGapOfTheHottestExpert) {
    // Contiguous on 2 ranks: {0,1} {2,3}; rank loads 40 and 10. Gap 30 -> 15 tokens of expert
    // 0 (rank 0's most popular) go to rank 1 with a copy; 25 / 25 after one move.
    const PolicyResult r = GpsPolicy().plan(makeInput(1, 4, 2, {30, 10, 5, 5}));
    EXPECT_EQ(r.placement.replicas(0, 0), (std::vector<int>{0, 1}));
    EXPECT_NEAR(r.placement.shares(0, 0)[0], 0.5, 1e-12);
    EXPECT_EQ(r.placement.rankLoads(0, {30, 10, 5, 5}), (std::vector<double>{25, 25}));
    for (int e = 1; e < 4; ++e) EXPECT_EQ(r.placement.replicas(0, e).size(), 1u);
}

TEST(GpsPolicy, StopsWithinOneToken) {
    // Gap 3 -> ceil(3/2) = 2 tokens move: 1 vs 2, gap 1, stop.
    const PolicyResult r = GpsPolicy().plan(makeInput(1, 2, 2, {3, 0}));
    EXPECT_EQ(r.placement.rankLoads(0, {3, 0}), (std::vector<double>{1, 2}));
    EXPECT_NEAR(r.placement.shares(0, 0)[1], 2.0 / 3.0, 1e-12);
}

TEST(GpsPolicy, TerminatesAndLowersTheMaxOnZipfLoads) {
    const int L = 8, E = 64, G = 8;
    const std::vector<double> load = testing::zipfLoads(L, E, 16384, 1.1, 3);
    const PolicyResult r = GpsPolicy().plan(makeInput(L, E, G, load));
    const Placement base = Placement::contiguous(L, E, G);
    testing::expectValid(r.placement);
    for (int l = 0; l < L; ++l) {
        const std::vector<double> row(load.begin() + l * E, load.begin() + (l + 1) * E);
        const std::vector<double> after = r.placement.rankLoads(l, row);
        EXPECT_LT(maxOf(after), maxOf(base.rankLoads(l, row)));
        EXPECT_LE(maxOf(after) - *std::min_element(after.begin(), after.end()), 1.0 + 1e-6);
    }
}

TEST(GpsPolicy, RespectsTheCopyCap) {
    // max_copies = 1: nothing may be copied, so nothing changes.
    GpsOptions o;
    o.maxCopies = 1;
    const PolicyResult r = GpsPolicy(o).plan(makeInput(1, 4, 2, {30, 10, 5, 5}));
    EXPECT_EQ(r.placement.rankLoads(0, {30, 10, 5, 5}), (std::vector<double>{40, 10}));
    // Cap 2 on 4 ranks: every expert on at most 2 ranks, even with one very hot expert.
    o.maxCopies = 2;
    const PolicyResult r2 = GpsPolicy(o).plan(makeInput(1, 4, 4, {100, 1, 1, 1}));
    for (int e = 0; e < 4; ++e) EXPECT_LE(r2.placement.replicas(0, e).size(), 2u);
    EXPECT_NEAR(maxOf(r2.placement.rankLoads(0, {100, 1, 1, 1})), 50, 1e-9);
}

TEST(GpsPolicy, RespectsTheMemoryBound) {
    // 2 ranks already hold 2 experts each; 2 slots of memory per rank leave no room.
    PolicyInput in = makeInput(1, 4, 2, {30, 10, 5, 5});
    in.expertBytes = 1000;
    in.budget.memoryPerRankBytes = 2500;
    const PolicyResult r = GpsPolicy().plan(in);
    EXPECT_EQ(r.placement.rankLoads(0, {30, 10, 5, 5}), (std::vector<double>{40, 10}));
    // With room for 3 experts, at most 3 slots per rank.
    in.budget.memoryPerRankBytes = 3000;
    in.cluster.ranks = 4;
    in.experts = 8;
    in.load = {100, 50, 1, 1, 1, 1, 1, 1};
    const PolicyResult r3 = GpsPolicy().plan(in);
    for (int g = 0; g < 4; ++g) EXPECT_LE(r3.placement.slotsOnRank(0, g), 3);
}

TEST(GpsPolicy, SharesNeedTokens) {
    EXPECT_THROW(GpsPolicy().plan(makeInput(1, 4, 2, {0.4, 0.3, 0.2, 0.1})), Error);
    PolicyInput in = makeInput(1, 4, 2, {0.4, 0.3, 0.2, 0.1});
    in.tokensPerLayer = 1000;  // 400, 300, 200, 100 -> 700 / 300 -> 500 / 500
    const PolicyResult r = GpsPolicy().plan(in);
    EXPECT_NEAR(maxOf(r.placement.rankLoads(0, {400, 300, 200, 100})), 500, 1e-9);
}

}  // namespace
}  // namespace moe
