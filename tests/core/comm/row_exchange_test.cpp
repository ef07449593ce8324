// The row all-to-all (rows taken from and put at listed places) and the KeepingSend
// collectives, which return before peers have read what was sent: checked row by row on the
// in-process ranks, through their own exchange and through the default pack-and-unpack one
// (the path MPI takes), and over many back-to-back rounds with the ranks out of step.
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <thread>

#include "core/comm/inproc_group.h"
#include "core/comm/rank_runner.h"
#include "core/common/error.h"

namespace moe {
namespace {

// Another rank's real communicator with only the row exchange left to the default, which
// packs, calls allToAllV and unpacks.
class DefaultRowsCommunicator final : public Communicator {
public:
    explicit DefaultRowsCommunicator(Communicator& inner) : in_(inner) {}
    int rank() const override { return in_.rank(); }
    int size() const override { return in_.size(); }
    std::string kind() const override { return in_.kind(); }
    void allToAllV(const void* s, std::span<const size_t> sb, void* r,
                   std::span<const size_t> rb) override {
        in_.allToAllV(s, sb, r, rb);
    }
    void allToAll(const void* s, size_t b, void* r) override { in_.allToAll(s, b, r); }
    void allGather(const void* s, size_t b, void* r) override { in_.allGather(s, b, r); }
    void allReduceSum(std::span<double> d) override { in_.allReduceSum(d); }
    void broadcast(void* d, size_t b, int root) override { in_.broadcast(d, b, root); }
    void barrier() override { in_.barrier(); }
    void abort() override { in_.abort(); }

private:
    Communicator& in_;
};

constexpr int kWidth = 3;  // ints per row
int cell(int rank, int row, int i) { return 1000 * rank + 10 * row + i; }

// Rank r holds 2G rows. To rank d it sends rows d, d + G (in the order d + G, d); rank d puts
// the rows from rank s at its rows 2s + 1 and 2s (in arrival order): so each rank's row 2s
// ends up as rank s's row d and row 2s + 1 as rank s's row d + G.
std::vector<std::vector<int>> exchangeRows(bool defaultPath) {
    const int G = 3;
    InProcessGroup group(G);
    RankRunner runner(G, 1);
    std::vector<std::vector<int>> got(G, std::vector<int>(2 * G * kWidth, -1));
    runner.run([&](int r) {
        std::vector<int> rows(2 * G * kWidth);
        for (int row = 0; row < 2 * G; ++row)
            for (int i = 0; i < kWidth; ++i) rows[row * kWidth + i] = cell(r, row, i);
        std::vector<int32_t> sendIndex, recvIndex;
        std::vector<size_t> start;
        for (int d = 0; d < G; ++d) {
            start.push_back(sendIndex.size());
            sendIndex.insert(sendIndex.end(), {d + G, d});
            recvIndex.insert(recvIndex.end(), {2 * d + 1, 2 * d});
        }
        start.push_back(sendIndex.size());
        DefaultRowsCommunicator packing(group.rank(r));
        Communicator& comm = defaultPath ? static_cast<Communicator&>(packing) : group.rank(r);
        comm.allToAllRowsKeepingSend(rows.data(), {sendIndex, start}, got[r].data(),
                                     {recvIndex, start}, kWidth * sizeof(int));
        comm.barrier();  // `rows` dies with this job: peers must have read it
    });
    return got;
}

TEST(RowExchange, EveryRowLandsWhereTheListsSayOnBothPaths) {
    for (bool defaultPath : {false, true}) {
        SCOPED_TRACE(defaultPath ? "default pack-and-unpack" : "in-process rows");
        const auto got = exchangeRows(defaultPath);
        const int G = 3;
        for (int r = 0; r < G; ++r)
            for (int s = 0; s < G; ++s)
                for (int i = 0; i < kWidth; ++i) {
                    EXPECT_EQ(got[r][(2 * s) * kWidth + i], cell(s, r, i));
                    EXPECT_EQ(got[r][(2 * s + 1) * kWidth + i], cell(s, r + G, i));
                }
    }
}

TEST(RowExchange, RowsInOrderNeedNoIndex) {
    const int G = 2;
    InProcessGroup group(G);
    RankRunner runner(G, 1);
    std::vector<std::vector<int>> got(G, std::vector<int>(G));
    runner.run([&](int r) {
        const std::vector<int> rows{10 * r, 10 * r + 1};  // row d goes to rank d
        const std::vector<size_t> start{0, 1, 2};
        group.rank(r).allToAllRowsKeepingSend(rows.data(), {{}, start}, got[r].data(), {{}, start},
                                              sizeof(int));
        group.rank(r).barrier();
    });
    EXPECT_EQ(got[0], (std::vector<int>{0, 10}));
    EXPECT_EQ(got[1], (std::vector<int>{1, 11}));
}

TEST(RowExchange, DisagreeingCountsNameBothRanks) {
    const int G = 2;
    InProcessGroup group(G);
    RankRunner runner(G, 1);
    // What each rank publishes outlives the run: rank 0 may still read rank 1's lists after
    // rank 1 has thrown.
    const std::vector<int> rows{1, 2, 3};
    // Rank 0 sends two rows to rank 1, which expects one from each rank.
    const std::vector<std::vector<size_t>> sendStarts{{0, 1, 3}, {0, 1, 2}};
    const std::vector<size_t> recvStart{0, 1, 2};
    std::vector<std::vector<int>> got(G, std::vector<int>(2));
    try {
        runner.run([&](int r) {
            const std::vector<size_t>& sendStart = sendStarts[r];
            group.rank(r).allToAllRowsKeepingSend(rows.data(), {{}, sendStart}, got[r].data(),
                                                  {{}, recvStart}, sizeof(int));
            // Rank 0 found nothing wrong and returned; the failing rank breaks the group, so
            // this fails instead of waiting for rank 1 forever.
            group.rank(r).barrier();
        });
        FAIL() << "expected an error";
    } catch (const PeerFailure&) {
        FAIL() << "the failing rank's own error should be reported";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("rank 0 sends 2 rows"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("to rank 1, which expects 1"), std::string::npos)
            << e.what();
    }
}

// Back-to-back KeepingSend collectives with ranks jittered out of step. Each rank rewrites a
// buffer only after its next collective has returned (two buffers, used alternately), as the
// contract allows; every round must still deliver that round's values.
TEST(KeepingSend, BackToBackRoundsOutOfStepDeliverEachRoundsData) {
    const int G = 4, rounds = 400;
    InProcessGroup group(G);
    RankRunner runner(G, 1);
    std::vector<int> wrong(G, 0);
    runner.run([&](int r) {
        std::mt19937 jitter(r);
        int buffers[2][4];
        std::vector<int> got(G);
        const std::vector<size_t> start{0, 1, 2, 3, 4};
        for (int n = 0; n < rounds; ++n) {
            int* mine = buffers[n % 2];
            for (int d = 0; d < G; ++d) mine[d] = n * 100 + r * 10 + d;
            if (jitter() % 4 == 0) std::this_thread::yield();
            if (n % 2 == 0) {
                group.rank(r).allGatherKeepingSend(mine, sizeof(int), got.data());
                for (int s = 0; s < G; ++s) wrong[r] += got[s] != n * 100 + s * 10;
            } else {
                group.rank(r).allToAllRowsKeepingSend(mine, {{}, start}, got.data(), {{}, start},
                                                      sizeof(int));
                for (int s = 0; s < G; ++s) wrong[r] += got[s] != n * 100 + s * 10 + r;
            }
        }
        group.rank(r).barrier();  // the buffers die with this job
    });
    for (int r = 0; r < G; ++r) EXPECT_EQ(wrong[r], 0) << "rank " << r;
}

// A rank that waits long at a barrier is counted, but only for the CPU its wait takes: it
// yields a while and then sleeps, so a 30 ms wait costs it far less than 30 ms of CPU.
TEST(InProcessGroup, WaitingAtACollectiveIsCountedOnlyForTheCpuItTakes) {
    const int G = 3;
    InProcessGroup group(G);
    RankRunner runner(G, 1);
    EXPECT_EQ(group.waitedCpuSeconds(), 0.0);
    runner.run([&](int r) {
        if (r == 0) {
            const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(30);
            while (std::chrono::steady_clock::now() < until) {
            }
        }
        group.rank(r).barrier();
    });
    const double waited = group.waitedCpuSeconds();
    EXPECT_GT(waited, 0.0);
    EXPECT_LT(waited, 0.030);
}

}  // namespace
}  // namespace moe
