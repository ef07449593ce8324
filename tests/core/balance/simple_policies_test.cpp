// Exact layouts of the two placements without duplication, and the validity of every
// policy's placement (each expert on a rank, shares summing to 1) on random Zipf loads.
#include "core/balance/simple_policies.h"

#include <gtest/gtest.h>

#include "core/balance/policy_factory.h"
#include "core/common/error.h"
#include "tests/core/balance/policy_test_util.h"

namespace moe {
namespace {

using testing::makeInput;

TEST(SimplePolicies, ContiguousLayout) {
    ContiguousPolicy p;
    const PolicyResult r = p.plan(makeInput(2, 10, 4, std::vector<double>(20, 1.0)));
    // 10 experts on 4 ranks: 3, 3, 2, 2.
    EXPECT_EQ(r.placement.expertsOnRank(1, 0), (std::vector<int>{0, 1, 2}));
    EXPECT_EQ(r.placement.expertsOnRank(1, 1), (std::vector<int>{3, 4, 5}));
    EXPECT_EQ(r.placement.expertsOnRank(1, 2), (std::vector<int>{6, 7}));
    EXPECT_EQ(r.placement.expertsOnRank(1, 3), (std::vector<int>{8, 9}));
    EXPECT_EQ(r.movedExperts, (std::vector<int>{0, 0}));
}

TEST(SimplePolicies, RoundRobinLayout) {
    RoundRobinPolicy p;
    const PolicyResult r = p.plan(makeInput(1, 10, 4, std::vector<double>(10, 1.0)));
    EXPECT_EQ(r.placement.expertsOnRank(0, 0), (std::vector<int>{0, 4, 8}));
    EXPECT_EQ(r.placement.expertsOnRank(0, 1), (std::vector<int>{1, 5, 9}));
    EXPECT_EQ(r.placement.expertsOnRank(0, 2), (std::vector<int>{2, 6}));
    EXPECT_EQ(r.placement.expertsOnRank(0, 3), (std::vector<int>{3, 7}));
}

TEST(SimplePolicies, MovedExpertsAgainstCurrent) {
    const Placement current = Placement::contiguous(1, 8, 4);
    PolicyInput in = makeInput(1, 8, 4, std::vector<double>(8, 1.0));
    in.current = &current;
    in.expertBytes = 1000;
    const PolicyResult r = RoundRobinPolicy().plan(in);
    // contiguous {0,1}{2,3}{4,5}{6,7} -> round robin {0,4}{1,5}{2,6}{3,7}: only 0 and 7 stay.
    EXPECT_EQ(r.movedExperts[0], 6);
    EXPECT_EQ(r.movedBytes, 6000u);
}

TEST(SimplePolicies, BadInputIsAnError) {
    EXPECT_THROW(ContiguousPolicy().plan(makeInput(2, 4, 2, {1, 2, 3})), Error);
    EXPECT_THROW(ContiguousPolicy().plan(makeInput(1, 2, 2, {1, -1})), Error);
}

TEST(AllPolicies, PlacementsAreValidOnZipfLoads) {
    const int L = 6, E = 32, G = 8;
    for (const char* spec : {"contiguous", "round_robin", "gps", "gps:max_copies=2", "eplb",
                             "eplb:slots=40", "fastermoe", "fastermoe:baseline=fixed", "harmoeny",
                             "harmoeny:token_us=100", "gps:max_moves=3"}) {
        SCOPED_TRACE(spec);
        const Placement current = Placement::contiguous(L, E, G);
        PolicyInput in = makeInput(L, E, G, testing::zipfLoads(L, E, 8192, 1.2, 7));
        in.current = &current;
        in.expertBytes = 1 << 20;
        const PolicyResult r = makePolicy(spec)->plan(in);
        testing::expectValid(r.placement);
        EXPECT_EQ(r.movedExperts.size(), static_cast<size_t>(L));
    }
}

}  // namespace
}  // namespace moe
