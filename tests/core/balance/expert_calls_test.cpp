// Expert calls per rank, as the engine makes them: one per expert or replica with rows, and one
// for two slots of an expert on the same rank.
#include "core/balance/expert_calls.h"

#include <gtest/gtest.h>

namespace moe {
namespace {

TEST(ExpertCalls, OnePerExpertOrReplicaWithRowsAndOnePerRankForTwoSlots) {
    Placement p = Placement::contiguous(1, 8, 4);  // experts 2r and 2r + 1 on rank r
    LoadMatrix loads(1, 8);
    for (int e = 0; e < 8; ++e) loads.at(0, e) = 10;
    loads.at(0, 7) = 0;  // rank 3's second expert gets no rows: no call
    std::vector<double> calls;
    expertCallsPerRank(p, loads, 0, calls);
    EXPECT_EQ(calls, (std::vector<double>{2, 2, 2, 1}));

    p.addReplica(0, 0, 2);        // expert 0's rows split over ranks 0 and 2
    p.addReplica(0, 0, 2, true);  // and a second slot on rank 2: still one call there
    expertCallsPerRank(p, loads, 0, calls);
    EXPECT_EQ(calls, (std::vector<double>{2, 2, 3, 1}));

    loads.at(0, 0) = 1;  // one row: only the replica that gets it is called
    expertCallsPerRank(p, loads, 0, calls);
    EXPECT_DOUBLE_EQ(calls[0] + calls[2], 1 + 2 + 1);  // experts 1, 4 and 5, and expert 0 once
}

}  // namespace
}  // namespace moe
