// The MPI communicator against the contract the in-process ranks define: every block reaches
// its rank, sums have the same bits on every rank and in the in-process order, broadcasts and
// gathers are exact, and the chunked paths that big steps take give the same bytes.
#include <gtest/gtest.h>

#include <climits>
#include <cstring>
#include <numeric>
#include <vector>

#include "core/comm/settle.h"
#include "core/common/error.h"
#include "tests/mpi/mpi_test_support.h"

namespace moe::mpi {
namespace {

using testing::world;

// Ints rank s sends rank d: some pairs send nothing, so empty blocks are covered.
int countFor(int s, int d) { return (s * 7 + d * 3) % 5; }
int valueFor(int s, int d, int i) { return 100000 * s + 100 * d + i; }

// Restores the communicator's message limit when a test that lowered it ends.
struct MessageLimit {
    explicit MessageLimit(size_t bytes) { world().setMaxMessageBytes(bytes); }
    ~MessageLimit() { world().setMaxMessageBytes(static_cast<size_t>(INT_MAX)); }
};

int64_t exchangeAndCount(MpiCommunicator& c) {
    const int G = c.size(), me = c.rank();
    std::vector<int> send;
    std::vector<size_t> sendBytes(G), recvBytes(G);
    size_t received = 0;
    for (int d = 0; d < G; ++d) {
        for (int i = 0; i < countFor(me, d); ++i) send.push_back(valueFor(me, d, i));
        sendBytes[d] = countFor(me, d) * sizeof(int);
        recvBytes[d] = countFor(d, me) * sizeof(int);
        received += countFor(d, me);
    }
    std::vector<int> got(received, -1);
    c.allToAllV(send.data(), sendBytes, got.data(), recvBytes);
    int64_t wrong = 0;
    size_t at = 0;
    for (int s = 0; s < G; ++s)
        for (int i = 0; i < countFor(s, me); ++i) wrong += got[at++] != valueFor(s, me, i);
    return wrong;
}

TEST(MpiCommunicator, AllToAllVDeliversEveryBlockToItsRank) {
    EXPECT_EQ(world().kind(), "mpi");
    EXPECT_EQ(exchangeAndCount(world()), 0);
}

TEST(MpiCommunicator, AllToAllVInPiecesWhenMessagesExceedTheLimit) {
    // 8 bytes per message: every non-empty block goes pairwise in 2-int chunks.
    MessageLimit limit(8);
    EXPECT_EQ(exchangeAndCount(world()), 0);
}

TEST(MpiCommunicator, AllToAllAndAllGather) {
    auto& c = world();
    const int G = c.size(), me = c.rank();
    for (size_t limit : {static_cast<size_t>(INT_MAX), size_t{12}}) {
        MessageLimit l(limit);
        std::vector<int64_t> send(2 * G), recv(2 * G, -1);
        for (int d = 0; d < G; ++d) send[2 * d] = send[2 * d + 1] = 10 * me + d;
        c.allToAll(send.data(), 2 * sizeof(int64_t), recv.data());
        for (int s = 0; s < G; ++s) {
            EXPECT_EQ(recv[2 * s], 10 * s + me) << "limit " << limit;
            EXPECT_EQ(recv[2 * s + 1], 10 * s + me) << "limit " << limit;
        }
        const int64_t mine[3] = {me, me * me, -me};
        std::vector<int64_t> all(3 * G, -1);
        c.allGather(mine, sizeof mine, all.data());
        for (int s = 0; s < G; ++s) {
            EXPECT_EQ(all[3 * s], s);
            EXPECT_EQ(all[3 * s + 1], s * s);
            EXPECT_EQ(all[3 * s + 2], -s);
        }
    }
}

TEST(MpiCommunicator, AllReduceSumHasTheInProcessBitsOnEveryRank) {
    auto& c = world();
    const int G = c.size();
    // Values whose sum depends on the order of addition in the last bits.
    auto value = [](int r, int i) { return (r % 2 ? 1e16 : 1.0) * (0.1 + r) + 1e-3 * i; };
    std::vector<double> data(5);
    for (int i = 0; i < 5; ++i) data[i] = value(c.rank(), i);
    c.allReduceSum(data);
    std::vector<double> expected(5, 0);
    for (int i = 0; i < 5; ++i)
        for (int r = 0; r < G; ++r) expected[i] += value(r, i);  // rank order, as in-process
    EXPECT_EQ(std::memcmp(data.data(), expected.data(), sizeof(double) * 5), 0);
}

TEST(MpiCommunicator, BroadcastFromEveryRootInAnySize) {
    auto& c = world();
    MessageLimit limit(7);  // forces several pieces for the larger sizes
    int64_t wrong = 0;
    for (int root = 0; root < c.size(); ++root)
        for (size_t n : {size_t{0}, size_t{3}, size_t{1000}}) {
            std::vector<unsigned char> buf(n, 0);
            if (c.rank() == root)
                for (size_t i = 0; i < n; ++i) buf[i] = static_cast<unsigned char>(i * 31 + root);
            c.broadcast(buf.data(), n, root);
            for (size_t i = 0; i < n; ++i)
                wrong += buf[i] != static_cast<unsigned char>(i * 31 + root);
        }
    EXPECT_EQ(wrong, 0);
    c.barrier();
}

TEST(MpiCommunicator, KnowsItsMachineLayout) {
    auto& c = world();
    EXPECT_GE(c.localSize(), 1);
    EXPECT_LT(c.localRank(), c.localSize());
    EXPECT_GE(c.hosts(), 1);
    EXPECT_LE(c.hosts(), c.size());
}

TEST(Settle, OneRanksFailureBecomesEveryRanksError) {
    auto& c = world();
    const int failing = c.size() - 1;
    std::string message;
    try {
        settle(c, [&] {
            if (c.rank() == failing)
                throw Error("cannot open the database on rank " + std::to_string(failing));
        });
    } catch (const CollectiveError& e) {
        message = e.what();
    }
    EXPECT_EQ(message, "cannot open the database on rank " + std::to_string(failing));
    int ran = 0;
    EXPECT_NO_THROW(settle(c, [&] { ++ran; }));
    EXPECT_EQ(ran, 1);
}

}  // namespace
}  // namespace moe::mpi
