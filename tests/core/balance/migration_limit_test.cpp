// The migration limit: at most M experts move per layer, the M that gain the most
// balancedness, and the moved weight bytes are reported.
#include "core/balance/migration_limit.h"

#include <gtest/gtest.h>

#include "core/balance/policy_factory.h"
#include "core/balance/policy_util.h"
#include "core/balance/simple_policies.h"
#include "core/common/error.h"
#include "tests/core/balance/policy_test_util.h"

namespace moe {
namespace {

// Per layer figures of a placement change (what each stored decision row holds) agree with
// the policy result's totals, and each layer gets its own balancedness.
TEST(LayerChanges, PerLayerFiguresSumToTheResultsTotals) {
    const Placement current = Placement::contiguous(2, 4, 2);
    // Layer 0: 40 40 10 10 (contiguous 80 / 20); layer 1: even (10 10 10 10).
    PolicyInput in = testing::makeInput(2, 4, 2, {40, 40, 10, 10, 10, 10, 10, 10});
    in.current = &current;
    in.expertBytes = 1000;
    const PolicyResult r = RoundRobinPolicy().plan(in);
    const std::vector<LayerChange> c = layerChanges(current, r.placement, in.load, 1000);
    ASSERT_EQ(c.size(), 2u);
    EXPECT_DOUBLE_EQ(c[0].balancednessBefore, 50.0 / 80);
    EXPECT_DOUBLE_EQ(c[0].balancednessAfter, 1.0);  // {0,2 | 1,3}: 50 / 50
    EXPECT_DOUBLE_EQ(c[1].balancednessBefore, 1.0);
    EXPECT_DOUBLE_EQ(c[1].balancednessAfter, 1.0);
    EXPECT_EQ(c[0].movedExperts, r.movedExperts[0]);
    EXPECT_EQ(c[1].movedExperts, r.movedExperts[1]);
    EXPECT_EQ(c[0].movedBytes + c[1].movedBytes, r.movedBytes);
    EXPECT_EQ(c[0].movedBytes, 2000u);  // experts 1 and 2 each gain a rank
    EXPECT_THROW(layerChanges(current, Placement::contiguous(1, 4, 2), in.load, 1), Error);
}

TEST(MigrationLimit, KeepsTheMoveThatGainsMost) {
    // Current {0,1 | 2,3} with loads 40 40 10 10 -> 80 / 20. Round robin {0,2 | 1,3} moves
    // experts 1 and 2; moving 1 alone gives 40 / 60, moving 2 alone 90 / 10: keep expert 1.
    const Placement current = Placement::contiguous(1, 4, 2);
    PolicyInput in = testing::makeInput(1, 4, 2, {40, 40, 10, 10});
    in.current = &current;
    in.expertBytes = 1000;
    const PolicyResult r = limitMigration(in, RoundRobinPolicy().plan(in), 1);
    EXPECT_EQ(r.placement.replicas(0, 1), (std::vector<int>{1}));
    EXPECT_EQ(r.placement.replicas(0, 2), (std::vector<int>{1}));
    EXPECT_EQ(r.movedExperts, (std::vector<int>{1}));
    EXPECT_EQ(r.movedBytes, 1000u);
    // M = 0 keeps the current placement; no current placement keeps the proposal.
    EXPECT_EQ(limitMigration(in, RoundRobinPolicy().plan(in), 0).movedExperts[0], 0);
    in.current = nullptr;
    EXPECT_EQ(limitMigration(in, RoundRobinPolicy().plan(in), 0).placement.replicas(0, 1),
              (std::vector<int>{1}));
}

TEST(MigrationLimit, AtMostMMovesPerLayerWithAnyPolicy) {
    const int L = 4, E = 32, G = 8;
    const Placement current = Placement::contiguous(L, E, G);
    PolicyInput in = testing::makeInput(L, E, G, testing::zipfLoads(L, E, 8192, 1.2, 5));
    in.current = &current;
    in.expertBytes = 4096;
    for (const char* spec : {"round_robin:max_moves=3", "eplb:max_moves=3", "gps:max_moves=3"}) {
        SCOPED_TRACE(spec);
        const PolicyResult r = makePolicy(spec)->plan(in);
        testing::expectValid(r.placement);
        size_t added = 0;
        for (int l = 0; l < L; ++l) {
            EXPECT_LE(r.movedExperts[l], 3);
            EXPECT_EQ(r.movedExperts[l], r.placement.movedExperts(current, l));
            added += static_cast<size_t>(r.placement.addedReplicas(current, l));
        }
        EXPECT_EQ(r.movedBytes, added * 4096);
        EXPECT_GE(meanBalancedness(r.placement, in.load), meanBalancedness(current, in.load));
    }
}

TEST(MigrationLimit, BudgetLimitAppliesWithoutTheKey) {
    const Placement current = Placement::contiguous(1, 8, 4);
    PolicyInput in = testing::makeInput(1, 8, 4, {50, 40, 30, 20, 10, 5, 3, 1});
    in.current = &current;
    in.budget.maxMovedExperts = 1;
    EXPECT_LE(makePolicy("round_robin")->plan(in).movedExperts[0], 1);
    in.budget.maxMovedExperts = -1;
    EXPECT_EQ(makePolicy("round_robin")->plan(in).movedExperts[0], 6);
}

}  // namespace
}  // namespace moe
