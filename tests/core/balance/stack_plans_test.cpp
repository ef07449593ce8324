// Plans in the stacks' forms: EPLB's own slots pass through, other plans are laid out rank by
// rank when every rank holds as many replicas, log2phy / logcnt invert phy2log, and a plan
// SGLang could not load (unequal slots) is refused with the counts named.
#include "core/balance/stack_plans.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/common/error.h"

namespace moe {
namespace {

TEST(StackPlans, SlotsAndMapsInvertEachOther) {
    PolicyResult r;
    r.placement = Placement::contiguous(1, 4, 2);
    r.placement.addReplica(0, 1, 1);
    r.placement.addReplica(0, 2, 0);
    // Rank 0: experts 0, 1, 2; rank 1: 1, 2, 3 (three slots each).
    const auto phy = physicalToLogical(r);
    ASSERT_EQ(phy.size(), 1u);
    EXPECT_EQ(phy[0], (std::vector<int>{0, 1, 2, 1, 2, 3}));
    const EplbMapsOut m = eplbMaps(phy, 4);
    EXPECT_EQ(m.logcnt[0], (std::vector<int>{1, 2, 2, 1}));
    EXPECT_EQ(m.log2phy[0][1], (std::vector<int>{1, 3}));
    EXPECT_EQ(m.log2phy[0][0], (std::vector<int>{0, -1}));
    for (int e = 0; e < 4; ++e)
        for (int s : m.log2phy[0][e])
            if (s >= 0) EXPECT_EQ(phy[0][s], e);
    r.slotExperts = {{3, 2, 1, 0, 0, 3}};  // a slot-based policy's own layout wins
    EXPECT_EQ(physicalToLogical(r), r.slotExperts);
}

TEST(StackPlans, UnequalSlotsAreRefusedAndTheJsonHasBothFields) {
    PolicyResult r;
    r.placement = Placement::contiguous(1, 4, 2);
    r.placement.addReplica(0, 0, 1);  // rank 0: 2 replicas, rank 1: 3
    try {
        physicalToLogical(r);
        ADD_FAILURE() << "unequal slots accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("2, 3"), std::string::npos) << e.what();
    }
    r.placement = Placement::contiguous(1, 4, 2);
    const auto j = nlohmann::json::parse(sglangExpertLocationJson(r, {10.4, 2, 3, 0.6}, 1, 4));
    EXPECT_EQ(j["physical_to_logical_map"][0], (std::vector<int>{0, 1, 2, 3}));
    EXPECT_EQ(j["logical_count"][0], (std::vector<int64_t>{10, 2, 3, 1}));
}

}  // namespace
}  // namespace moe
