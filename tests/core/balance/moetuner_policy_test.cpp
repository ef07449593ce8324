// MoETuner as a policy: the error without per-token traces, the factory keys, balance mode,
// and a slice of the real GPT-OSS trace (24 layers x 32 experts onto 4 ranks) where it must
// beat contiguous placement's balancedness in every layer, to the 2.5% gap.
#include "core/balance/moetuner_policy.h"

#include <gtest/gtest.h>

#include <string>

#include "core/balance/policy_factory.h"
#include "core/balance/transition_counts.h"
#include "core/common/error.h"
#include "core/experiment/workload_source.h"
#include "core/stats/load_matrix.h"
#include "tests/core/balance/policy_test_util.h"

namespace moe {
namespace {

using testing::expectValid;
using testing::makeInput;
using testing::zipfLoads;

TEST(MoeTunerPolicy, FullModeNeedsTransitions) {
    MoeTunerPolicy p;
    try {
        p.plan(makeInput(2, 8, 2, zipfLoads(2, 8, 1000, 1.0, 3)));
        FAIL() << "expected moe::Error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("per-token traces"), std::string::npos) << e.what();
    }
}

// Front ends count transitions (a pass over every token's routing) only when the policy asks,
// and the max_moves wrapper every spec gets must pass the question through.
TEST(MoeTunerPolicy, OnlyFullModeAsksForTransitions) {
    EXPECT_TRUE(makePolicy("moetuner")->needsTransitions());
    EXPECT_TRUE(makePolicy("moetuner:max_moves=2")->needsTransitions());
    EXPECT_FALSE(makePolicy("moetuner:mode=balance")->needsTransitions());
    for (const char* other : {"eplb", "gps", "contiguous", "round_robin", "fastermoe", "harmoeny"})
        EXPECT_FALSE(makePolicy(other)->needsTransitions()) << other;
}

TEST(MoeTunerPolicy, BalanceModeSplitsEvenly) {
    MoeTunerOptions o;
    o.mode = MoeTunerMode::Balance;
    o.timeLimitSeconds = 1;
    MoeTunerPolicy p(o);
    const PolicyInput in = makeInput(3, 16, 4, zipfLoads(3, 16, 10000, 1.0, 7));
    const PolicyResult r = p.plan(in);
    expectValid(r.placement);
    for (int l = 0; l < 3; ++l)
        for (int g = 0; g < 4; ++g) EXPECT_EQ(r.placement.slotsOnRank(l, g), 4);
    EXPECT_FALSE(p.lastReport().mapped);
    EXPECT_NE(r.notes.find("ILP 1"), std::string::npos);
    EXPECT_THROW(p.plan(makeInput(1, 3, 4, {1, 2, 3})), Error);  // fewer experts than ranks
}

TEST(MoeTunerPolicy, OneRankAndUniformTransitions) {
    const std::vector<double> transitions(2 * 4 * 4, 1.0);
    PolicyInput in = makeInput(3, 4, 1, std::vector<double>(12, 4.0));
    in.transitions = &transitions;
    MoeTunerPolicy p;
    const PolicyResult r = p.plan(in);
    expectValid(r.placement);
    EXPECT_EQ(r.placement.slotsOnRank(2, 0), 4);
    EXPECT_EQ(p.lastReport().mapping.cost, 0);  // nothing leaves the one GPU
    std::vector<double> wrongSize(5, 1.0);
    in.transitions = &wrongSize;
    EXPECT_THROW(p.plan(in), Error);
}

TEST(MoeTunerPolicy, FactoryKeys) {
    auto p = makePolicy("moetuner:mode=balance,gap=0.01,time_limit=1");
    const PolicyResult r = p->plan(makeInput(2, 8, 2, zipfLoads(2, 8, 1000, 1.0, 5)));
    expectValid(r.placement);
    EXPECT_THROW(makePolicy("moetuner:windows=3"), Error);
    EXPECT_THROW(makePolicy("moetuner:mode=fast"), Error);
    EXPECT_THROW(makePolicy("moetuner:gap=2"), Error);
    EXPECT_NE(policyHelp().find("moetuner"), std::string::npos);
}

TEST(MoeTunerPolicy, BeatsContiguousOnTheGptOssTrace) {
    WorkloadOptions wo;
    wo.spec = "trace:gpt-oss-20b";
    wo.batching = Batching::Tokens;
    wo.tokensPerStep = 4096;
    auto workload = openWorkload(wo);
    const RoutingProfile prof = profileRouting(*workload, 2);
    ASSERT_EQ(prof.layers, 24);
    ASSERT_EQ(prof.experts, 32);
    PolicyInput in = makeInput(prof.layers, prof.experts, 4, prof.load);
    in.transitions = &prof.transitions.values();
    MoeTunerOptions o;
    o.timeLimitSeconds = 2;
    MoeTunerPolicy p(o);
    const PolicyResult r = p.plan(in);
    expectValid(r.placement);
    const Placement contiguous = Placement::contiguous(in.layers, in.experts, 4);
    for (int l = 0; l < in.layers; ++l) {
        const std::vector<double> load(in.load.begin() + l * in.experts,
                                       in.load.begin() + (l + 1) * in.experts);
        const double tuned = balancedness(r.placement.rankLoads(l, load));
        EXPECT_GT(tuned, balancedness(contiguous.rankLoads(l, load))) << "layer " << l;
        EXPECT_GT(tuned, 0.98) << "layer " << l;
    }
    const MoeTunerReport& rep = p.lastReport();
    for (const auto& layer : rep.layers)
        EXPECT_TRUE(layer.gap <= 0.025 || layer.status == MilpStatus::TimeLimit)
            << toString(layer.status) << " gap " << layer.gap;
    ASSERT_TRUE(rep.mapped);
    EXPECT_LE(rep.mapping.gap, 0.025);
    EXPECT_LE(rep.mapping.cost, rep.mapping.greedyCost + 1e-9);
    EXPECT_NE(r.notes.find("ILP 2"), std::string::npos);
}

}  // namespace
}  // namespace moe
