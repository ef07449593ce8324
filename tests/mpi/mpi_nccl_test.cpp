// NCCL ranks across processes, bootstrapped over MPI: rank 0's NCCL id reaches the others by
// MPI broadcast, one GPU per process, and all-to-all(v) between the GPUs delivers every block.
// Built where moe_gpu has NCCL; skipped (on every rank alike) unless each rank has a GPU of
// its own, since NCCL refuses two ranks on one GPU.
#ifdef MOE_HAVE_NCCL
#include <gtest/gtest.h>

#include "gpu/device_info.h"
#include "gpu/device_memory.h"
#include "gpu/nccl_communicator.h"
#include "tests/mpi/mpi_test_support.h"

namespace moe::mpi {
namespace {

using testing::world;

TEST(MpiNccl, IdBroadcastOverMpiAndAllToAllVBetweenGpus) {
    auto& w = world();
    std::string why;
    const auto devices = gpu::listDevices(&why);
    const bool mine = !devices.empty() && w.localSize() <= static_cast<int>(devices.size());
    const int64_t lacking = testing::sumOverRanks(w, mine ? 0 : 1);
    if (lacking > 0)
        GTEST_SKIP() << lacking << " of " << w.size() << " ranks lack a GPU of their own"
                     << (devices.empty() ? " (" + why + ")" : std::string());
    auto nccl = gpu::NcclCommunicator::create(w, w.localRank());
    EXPECT_EQ(nccl->rank(), w.rank());
    EXPECT_EQ(nccl->size(), w.size());
    const int G = w.size(), me = w.rank();
    // Rank s sends s + d + 1 ints to rank d.
    std::vector<int> send;
    std::vector<size_t> sendBytes(G), recvBytes(G);
    size_t received = 0;
    for (int d = 0; d < G; ++d) {
        for (int i = 0; i <= me + d; ++i) send.push_back(100 * me + d);
        sendBytes[d] = (me + d + 1) * sizeof(int);
        recvBytes[d] = (d + me + 1) * sizeof(int);
        received += d + me + 1;
    }
    gpu::DeviceBuffer dSend = gpu::DeviceBuffer::from(send), dRecv(received * sizeof(int));
    dRecv.poison();
    nccl->allToAllV(dSend.get(), sendBytes, dRecv.get(), recvBytes);
    const auto got = dRecv.to<int>(received);
    int64_t wrong = 0;
    size_t at = 0;
    for (int s = 0; s < G; ++s)
        for (int i = 0; i <= s + me; ++i) wrong += got[at++] != 100 * s + me;
    EXPECT_EQ(wrong, 0);
    EXPECT_EQ(testing::sumOverRanks(w, wrong), 0);
}

}  // namespace
}  // namespace moe::mpi
#endif  // MOE_HAVE_NCCL
