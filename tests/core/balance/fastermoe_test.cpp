// FasterMoE shadowing by its cost model: the hottest expert is shadowed when compute dominates
// and none when the network is too slow to broadcast weights.
#include <gtest/gtest.h>

#include "core/balance/fastermoe_policy.h"
#include "tests/core/balance/policy_test_util.h"

namespace moe {
namespace {

// One expert per rank, expert 0 ten times hotter than the rest.
PolicyInput skewed() { return testing::makeInput(1, 4, 4, {1000, 100, 100, 100}); }

TEST(FasterMoe, ShadowsTheHottestExpertWhenComputeDominates) {
    FasterMoeOptions o;
    o.flops = 1e9;  // slow compute: 3*comp*B dwarfs the weight broadcast
    const PolicyResult r = FasterMoePolicy(o).plan(skewed());
    EXPECT_EQ(r.placement.replicas(0, 0).size(), 4u);
    for (int e = 1; e < 4; ++e) EXPECT_EQ(r.placement.replicas(0, e).size(), 1u);
    // B_1: 250 on rank 0, 350 elsewhere.
    EXPECT_EQ(r.placement.rankLoads(0, {1000, 100, 100, 100}),
              (std::vector<double>{250, 350, 350, 350}));
    // Against the fixed baseline (methods.md's wording) shadowing goes on while below B_0's.
    o.baseline = ShadowBaseline::Fixed;
    const PolicyResult f = FasterMoePolicy(o).plan(skewed());
    EXPECT_EQ(f.placement.replicas(0, 0).size(), 4u);
    EXPECT_GE(f.placement.totalReplicas(0), 7);
}

TEST(FasterMoe, NoShadowOnATinyNetwork) {
    FasterMoeOptions o;
    o.netBytesPerSec = 1e3;  // 2*alpha*H^2*4 bytes of weights would take hours
    const PolicyResult r = FasterMoePolicy(o).plan(skewed());
    EXPECT_EQ(r.placement.totalReplicas(0), 4);
}

TEST(FasterMoe, ChoiceFollowsTheLatencyFormula) {
    // Defaults (fastmoe's): comp = 4*2*2048^2/11.5e12, feat = 2048*4/6.25e9, shadow =
    // 2*2*2048^2*4/6.25e9 = 10.7 ms. Shadowing expert 0 saves 650 tokens: 650*(3*comp +
    // 4*feat) = 650*(8.75us + 5.24us) = 9.1 ms < 10.7 ms: not worth it.
    FasterMoeOptions o;
    EXPECT_TRUE(chooseShadows({1000, 100, 100, 100}, Placement::contiguous(1, 4, 4), 0, o).empty());
    // Ten times the tokens: 91 ms saved > 10.7 ms.
    EXPECT_EQ(chooseShadows({10000, 1000, 1000, 1000}, Placement::contiguous(1, 4, 4), 0, o),
              (std::vector<int>{0}));
}

}  // namespace
}  // namespace moe
