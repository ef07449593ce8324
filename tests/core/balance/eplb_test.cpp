// DeepSeek EPLB against the example published in DeepSeek's README (hierarchical: 2 layers,
// 12 experts, 4 groups, 16 slots, 2 nodes, 8 GPUs), and a global case worked out by hand.
#include "core/balance/eplb.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/common/error.h"
#include "tests/core/balance/policy_test_util.h"

namespace moe {
namespace {

const std::vector<double> kReadmeWeight = {90, 132, 40,  61, 104, 165, 39,  4,   73,  56, 183, 86,
                                           20, 107, 104, 64, 19,  197, 187, 157, 172, 86, 16,  27};

TEST(Eplb, DeepSeekReadmeExample) {
    const EplbMaps m = rebalanceExperts(kReadmeWeight, 2, 12, {16, 4, 2, 8});
    EXPECT_TRUE(m.hierarchical);
    const std::vector<std::vector<int>> expected = {
        {5, 6, 5, 7, 8, 4, 3, 4, 10, 9, 10, 2, 0, 1, 11, 1},
        {7, 10, 6, 8, 6, 11, 8, 9, 2, 4, 5, 1, 5, 0, 3, 1}};
    EXPECT_EQ(m.phy2log, expected);
    // log2phy and logcnt describe the same slots.
    for (int l = 0; l < 2; ++l) {
        int slots = 0;
        for (int e = 0; e < 12; ++e) {
            slots += m.logcnt[l][e];
            for (int r = 0; r < m.logcnt[l][e]; ++r) EXPECT_EQ(m.phy2log[l][m.log2phy[l][e][r]], e);
        }
        EXPECT_EQ(slots, 16);
    }
}

TEST(Eplb, PolicyGivesTheSamePlacement) {
    PolicyInput in = testing::makeInput(2, 12, 8, kReadmeWeight);
    in.cluster.nodes = 2;
    in.budget.slots = 16;
    in.budget.groups = 4;
    const PolicyResult r = EplbPolicy().plan(in);
    testing::expectValid(r.placement);
    EXPECT_EQ(r.slotExperts[0][0], 5);
    // Slot s on GPU s / 2: layer 0's expert 5 sits in slots 0 and 2 -> GPUs 0 and 1.
    std::vector<int> ranks = r.placement.replicas(0, 5);
    std::sort(ranks.begin(), ranks.end());
    EXPECT_EQ(ranks, (std::vector<int>{0, 1}));
    EXPECT_EQ(r.placement.totalReplicas(0), 16);
}

TEST(Eplb, GlobalPolicyByHand) {
    // Weights 10 6 4 2, 6 slots on 2 GPUs. replicate: spare slots to 0 (10/1), then 1 (6/1 >
    // 5/2): phy2log 0 1 2 3 0 1, per-slot load 5 3 4 2 5 3. Packing heaviest first into the
    // lighter GPU with room: GPU 0 gets slots 0 (5), 2 (4), 3 (2); GPU 1 slots 4, 1, 5.
    const EplbMaps m = rebalanceExperts({10, 6, 4, 2}, 1, 4, {6, 1, 1, 2});
    EXPECT_FALSE(m.hierarchical);
    EXPECT_EQ(m.phy2log[0], (std::vector<int>{0, 2, 3, 0, 1, 1}));
    EXPECT_EQ(m.logcnt[0], (std::vector<int>{2, 2, 1, 1}));
    // groups % nodes != 0 falls back to the same global policy.
    const EplbMaps g = rebalanceExperts({10, 6, 4, 2}, 1, 4, {6, 1, 2, 2});
    EXPECT_FALSE(g.hierarchical);
    EXPECT_EQ(g.phy2log, m.phy2log);
    // Two slots of expert 1 on GPU 1; both GPUs carry 11.
    const Placement p = placementFromMaps(m, 4, 2);
    EXPECT_EQ(p.replicas(0, 1), (std::vector<int>{1, 1}));
    EXPECT_EQ(p.rankLoads(0, {10, 6, 4, 2}), (std::vector<double>{11, 11}));
}

TEST(Eplb, ShapesItCannotSplitAreErrors) {
    EXPECT_THROW(rebalanceExperts(kReadmeWeight, 2, 12, {15, 4, 2, 8}), Error);  // 15 % 8
    EXPECT_THROW(rebalanceExperts(kReadmeWeight, 2, 12, {16, 5, 1, 8}), Error);  // 12 % 5
    EXPECT_THROW(rebalanceExperts(kReadmeWeight, 2, 12, {8, 1, 1, 8}), Error);   // 8 < 12
    PolicyInput in = testing::makeInput(2, 12, 8, kReadmeWeight);
    in.cluster.nodes = 2;
    in.budget.groups = 3;
    EplbOptions o;
    o.mode = EplbMode::Hierarchical;
    EXPECT_THROW(EplbPolicy(o).plan(in), Error);
}

}  // namespace
}  // namespace moe
