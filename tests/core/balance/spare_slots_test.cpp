// The spare-slots-only budget: the base placement never moves, no rank exceeds its slots, the
// hot expert gets the spare copies the plan asked for, and a copy that would raise the slowest
// rank is not made.
#include "core/balance/spare_slots.h"

#include <gtest/gtest.h>

#include "core/common/error.h"

namespace moe {
namespace {

// 1 layer, 8 experts on 4 ranks (2 each), 3 slots a rank: one spare slot per rank.
TEST(SpareSlots, KeepsTheBaseAndFillsOnlySpareSlotsWithTheHotExpert) {
    const Placement base = Placement::contiguous(1, 8, 4);
    Placement planned = base;
    planned.addReplica(0, 0, 1);  // the plan wants expert 0 on three ranks
    planned.addReplica(0, 0, 2);
    planned.addReplica(0, 5, 3);  // and a copy of a cold expert
    const std::vector<double> load{80, 10, 10, 10, 10, 5, 10, 10};
    const Placement p = keepBaseFillSpare(base, planned, 3, load);
    for (int e = 0; e < 8; ++e)
        EXPECT_EQ(p.replicas(0, e)[0], base.replicas(0, e)[0]) << "expert " << e << " stays home";
    for (int r = 0; r < 4; ++r) EXPECT_LE(p.slotsOnRank(0, r), 3);
    EXPECT_EQ(p.replicas(0, 0).size(), 3u) << "the hot expert gets its copies";
    // Even load: a copy would make its rank the slowest, so none is made.
    const Placement even = keepBaseFillSpare(base, planned, 3, std::vector<double>(8, 10.0));
    for (int e = 0; e < 8; ++e) EXPECT_EQ(even.replicas(0, e).size(), 1u) << "expert " << e;
}

TEST(SpareSlots, NoSpareSlotsMeansTheBaseUnchanged) {
    const Placement base = Placement::contiguous(2, 8, 4);
    Placement planned = base;
    planned.addReplica(1, 3, 0);
    const std::vector<double> load(16, 1.0);
    const Placement p = keepBaseFillSpare(base, planned, 2, load);
    for (int l = 0; l < 2; ++l)
        for (int e = 0; e < 8; ++e) EXPECT_EQ(p.replicas(l, e).size(), 1u);
    EXPECT_THROW(keepBaseFillSpare(base, planned, 1, load), Error) << "base overfills a rank";
    EXPECT_THROW(keepBaseFillSpare(base, planned, 3, std::vector<double>(3)), Error);
}

}  // namespace
}  // namespace moe
