// The collectives one-rank-per-process runs lean on (broadcast, settle, the placement
// broadcast), checked on in-process ranks, so they are covered where MPI is not installed.
#include <gtest/gtest.h>

#include <cstring>

#include "core/comm/inproc_group.h"
#include "core/comm/mpi_launch.h"
#include "core/comm/rank_runner.h"
#include "core/comm/settle.h"
#include "core/engine/placement_broadcast.h"

namespace moe {
namespace {

TEST(InProcessGroup, BroadcastFromEveryRoot) {
    const int G = 3;
    InProcessGroup g(G);
    RankRunner runner(G, 1);
    std::vector<std::vector<int>> got(G);
    for (int root = 0; root < G; ++root) {
        runner.run([&](int r) {
            std::vector<int> buf(5, r == root ? 0 : -1);
            if (r == root)
                for (int i = 0; i < 5; ++i) buf[i] = 10 * root + i;
            g.rank(r).broadcast(buf.data(), buf.size() * sizeof(int), root);
            got[r] = buf;
        });
        for (int r = 0; r < G; ++r)
            for (int i = 0; i < 5; ++i) EXPECT_EQ(got[r][i], 10 * root + i) << "root " << root;
    }
}

TEST(InProcessGroup, BroadcastSizeMismatchFailsEveryRankInsteadOfHanging) {
    InProcessGroup g(2);
    RankRunner runner(2, 1);
    char buf[8] = {};
    EXPECT_THROW(runner.run([&](int r) { g.rank(r).broadcast(buf, r == 0 ? 8 : 4, 0); }), Error);
}

TEST(Settle, OneRanksFailureIsEveryRanksCollectiveError) {
    const int G = 3;
    InProcessGroup g(G);
    RankRunner runner(G, 1);
    std::vector<std::string> messages(G);
    runner.run([&](int r) {
        try {
            settle(g.rank(r), [&] {
                if (r >= 1) throw Error("failed on rank " + std::to_string(r));
            });
        } catch (const CollectiveError& e) {
            messages[r] = e.what();
        }
    });
    for (int r = 0; r < G; ++r) EXPECT_EQ(messages[r], "failed on rank 1");  // lowest failing
}

TEST(PlacementBroadcast, EveryRankHoldsTheRootsPlacementBitForBit) {
    const int G = 3;
    InProcessGroup g(G);
    RankRunner runner(G, 1);
    std::vector<Placement> held(G, Placement::contiguous(2, 6, G));
    Placement& root = held[1];
    root.addReplica(1, 0, 2);
    root.addReplica(1, 0, 1);
    root.setShares(1, 0, {0.1, 0.7, 0.2});
    runner.run([&](int r) { broadcastPlacement(g.rank(r), held[r], 1); });
    for (int r = 0; r < G; ++r) {
        ASSERT_EQ(held[r].replicas(1, 0), (std::vector<int>{0, 2, 1}));
        const auto& a = held[r].shares(1, 0);
        const auto& b = held[0].shares(1, 0);
        EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(double)), 0);
        EXPECT_NEAR(a[1], 0.7, 1e-12);
        EXPECT_EQ(held[r].replicas(0, 5), (std::vector<int>{2}));
    }
}

TEST(MpiLaunch, ReadsTheLaunchersEnvironment) {
    ::unsetenv("OMPI_COMM_WORLD_SIZE");
    ::unsetenv("PMI_SIZE");
    ::unsetenv("MV2_COMM_WORLD_SIZE");
    EXPECT_FALSE(detectMpiLaunch().has_value());
    ::setenv("PMI_SIZE", "4", 1);
    ::setenv("PMI_RANK", "2", 1);
    auto l = detectMpiLaunch();
    ASSERT_TRUE(l.has_value());
    EXPECT_EQ(l->size, 4);
    EXPECT_EQ(l->rank, 2);
    EXPECT_EQ(l->variable, "PMI_SIZE");
    ::setenv("PMI_SIZE", "four", 1);
    EXPECT_FALSE(detectMpiLaunch().has_value());
    ::unsetenv("PMI_SIZE");
    ::unsetenv("PMI_RANK");
}

}  // namespace
}  // namespace moe
