// Collectives of the in-process ranks, checked element by element.
#include "core/comm/inproc_group.h"

#include <gtest/gtest.h>

#include "core/balance/placement.h"
#include "core/comm/rank_runner.h"
#include "core/common/error.h"

namespace moe {
namespace {

TEST(InProcessGroup, AllToAllVDeliversEveryBlockToItsRank) {
    const int G = 4;
    InProcessGroup g(G);
    RankRunner runner(G, 1);
    std::vector<std::vector<int>> got(G);
    runner.run([&](int r) {
        // Rank r sends (d + 1) ints to rank d, each valued 100 * r + d.
        std::vector<int> send;
        std::vector<size_t> sendBytes(G), recvBytes(G);
        for (int d = 0; d < G; ++d) {
            for (int i = 0; i <= d; ++i) send.push_back(100 * r + d);
            sendBytes[d] = (d + 1) * sizeof(int);
            recvBytes[d] = (r + 1) * sizeof(int);
        }
        got[r].resize(G * (r + 1));
        g.rank(r).allToAllV(send.data(), sendBytes, got[r].data(), recvBytes);
    });
    for (int r = 0; r < G; ++r)
        for (int s = 0; s < G; ++s)
            for (int i = 0; i <= r; ++i) EXPECT_EQ(got[r][s * (r + 1) + i], 100 * s + r);
}

TEST(InProcessGroup, AllGatherAndAllReduce) {
    const int G = 3;
    InProcessGroup g(G);
    RankRunner runner(G, 1);
    std::vector<std::vector<long>> gathered(G, std::vector<long>(G));
    std::vector<double> sums(G);
    runner.run([&](int r) {
        long mine = 10 + r;
        g.rank(r).allGather(&mine, sizeof mine, gathered[r].data());
        double v[1] = {static_cast<double>(r + 1)};
        g.rank(r).allReduceSum(v);
        sums[r] = v[0];
    });
    for (int r = 0; r < G; ++r) {
        EXPECT_EQ(gathered[r], (std::vector<long>{10, 11, 12}));
        EXPECT_EQ(sums[r], 6.0);
    }
}

TEST(RankRunner, RethrowsAnErrorFromARank) {
    RankRunner runner(2, 1);
    EXPECT_THROW(runner.run([](int r) {
        if (r == 1) throw Error("rank 1 failed");
    }),
                 Error);
    int ran = 0;
    runner.run([&](int) { __atomic_add_fetch(&ran, 1, __ATOMIC_SEQ_CST); });  // still usable
    EXPECT_EQ(ran, 2);
}

TEST(InProcessGroup, AFailingRankBreaksPeersOutOfCollectivesAndIsReported) {
    const int G = 4;
    InProcessGroup g(G);
    RankRunner runner(G, 1);
    try {
        runner.run([&](int r) {
            try {
                if (r == 2) throw Error("rank 2 hit bad input");
                long v = r, all[4];
                g.rank(r).allGather(&v, sizeof v, all);  // ranks 0, 1, 3 wait here for rank 2
            } catch (...) {
                g.rank(r).abort();
                throw;
            }
        });
        FAIL() << "expected an error";
    } catch (const PeerFailure&) {
        FAIL() << "the root cause should be reported, not the peers' failure";
    } catch (const Error& e) {
        EXPECT_STREQ(e.what(), "rank 2 hit bad input");
    }
    g.reset();  // usable again after re-arming
    std::vector<long> sums(G);
    runner.run([&](int r) {
        long v = 1, all[4];
        g.rank(r).allGather(&v, sizeof v, all);
        sums[r] = all[0] + all[1] + all[2] + all[3];
    });
    EXPECT_EQ(sums, std::vector<long>(G, 4));
}

TEST(Placement, ContiguousAndReplicaSpecs) {
    Placement p = Placement::contiguous(2, 8, 4);
    EXPECT_EQ(p.expertsOnRank(0, 1), (std::vector<int>{2, 3}));
    addReplicaSpec(p, "*:0:3");
    addReplicaSpec(p, "1:5:0");
    EXPECT_TRUE(p.hosts(0, 0, 3));
    EXPECT_TRUE(p.hosts(1, 0, 3));
    EXPECT_TRUE(p.hosts(1, 5, 0));
    EXPECT_FALSE(p.hosts(0, 5, 0));
    EXPECT_EQ(p.rankForPair(0, 0, 0, 10), 0);
    EXPECT_EQ(p.rankForPair(0, 0, 9, 10), 3);
    EXPECT_THROW(addReplicaSpec(p, "0:0:3"), Error);  // already there
    EXPECT_THROW(addReplicaSpec(p, "0:0:9"), Error);  // no such rank
    EXPECT_THROW(addReplicaSpec(p, "zero:0:1"), Error);
    EXPECT_THROW(Placement::contiguous(1, 2, 4), Error);
}

}  // namespace
}  // namespace moe
