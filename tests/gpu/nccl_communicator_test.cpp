// NCCL ranks, one per GPU of this machine: every all-to-all(v) block reaches its rank (sizes
// that differ per pair, empty ones included), gathers, broadcasts and rank-ordered sums are
// exact, and the communicator can be bootstrapped over another communicator (in-process ranks
// here; MPI in tests/mpi). With one GPU this is one rank, through NCCL all the same.
#ifdef MOE_HAVE_NCCL
#include "gpu/nccl_communicator.h"

#include <gtest/gtest.h>

#include "core/comm/inproc_group.h"
#include "core/comm/rank_runner.h"
#include "gpu/device_memory.h"
#include "gpu_test_support.h"

namespace moe::gpu {
namespace {

std::vector<int> allDevices() {
    std::vector<int> ids;
    for (const auto& d : listDevices()) ids.push_back(d.index);
    return ids;
}

int countFor(int s, int d) { return (s * 7 + d * 3 + 1) % 5; }  // ints from rank s to rank d

// Runs the collectives on rank `comm` and returns the number of wrong elements.
int64_t exercise(NcclCommunicator& comm) {
    const int G = comm.size(), me = comm.rank();
    std::vector<int> send;
    std::vector<size_t> sendBytes(G), recvBytes(G);
    size_t received = 0;
    for (int d = 0; d < G; ++d) {
        for (int i = 0; i < countFor(me, d); ++i) send.push_back(1000 * me + 10 * d + i);
        sendBytes[d] = countFor(me, d) * sizeof(int);
        recvBytes[d] = countFor(d, me) * sizeof(int);
        received += countFor(d, me);
    }
    DeviceBuffer dSend(send.size() * sizeof(int) + 4, comm.device()),
        dRecv(received * sizeof(int) + 4, comm.device());
    dSend.upload(send.data(), send.size() * sizeof(int));
    dRecv.poison();
    comm.allToAllV(dSend.get(), sendBytes, dRecv.get(), recvBytes);
    const auto got = dRecv.to<int>(received);
    int64_t wrong = 0;
    size_t at = 0;
    for (int s = 0; s < G; ++s)
        for (int i = 0; i < countFor(s, me); ++i) wrong += got[at++] != 1000 * s + 10 * me + i;

    const std::vector<int> mine = {me, -me};
    DeviceBuffer dMine = DeviceBuffer::from(mine), dAll(2 * G * sizeof(int));
    comm.allGather(dMine.get(), 2 * sizeof(int), dAll.get());
    const auto all = dAll.to<int>(2 * G);
    for (int s = 0; s < G; ++s) wrong += all[2 * s] != s || all[2 * s + 1] != -s;

    std::vector<int> b = {me == G - 1 ? 42 : 0};
    DeviceBuffer dB = DeviceBuffer::from(b);
    comm.broadcast(dB.get(), sizeof(int), G - 1);
    wrong += dB.to<int>(1)[0] != 42;

    std::vector<double> sum = {0.5 + me};
    comm.allReduceSum(sum);
    double want = 0;
    for (int s = 0; s < G; ++s) want += 0.5 + s;
    wrong += sum[0] != want;
    comm.barrier();
    return wrong;
}

TEST(NcclCommunicator, OneRankPerGpuInOneProcess) {
    MOE_SKIP_WITHOUT_CUDA_DEVICE();
    const auto devices = allDevices();
    auto comms = NcclCommunicator::createAll(devices);
    std::vector<int64_t> wrong(comms.size(), -1);
    RankRunner runner(static_cast<int>(comms.size()), 1);
    runner.run([&](int r) { wrong[r] = exercise(*comms[r]); });
    for (size_t r = 0; r < comms.size(); ++r) EXPECT_EQ(wrong[r], 0) << "rank " << r;
}

TEST(NcclCommunicator, BootstrappedOverAnotherCommunicator) {
    MOE_SKIP_WITHOUT_CUDA_DEVICE();
    const auto devices = allDevices();
    const int G = static_cast<int>(devices.size());
    InProcessGroup group(G);
    RankRunner runner(G, 1);
    std::vector<std::unique_ptr<NcclCommunicator>> comms(G);
    runner.run([&](int r) { comms[r] = NcclCommunicator::create(group.rank(r), devices[r]); });
    std::vector<int64_t> wrong(G, -1);
    runner.run([&](int r) { wrong[r] = exercise(*comms[r]); });
    for (int r = 0; r < G; ++r) EXPECT_EQ(wrong[r], 0) << "rank " << r;
}

}  // namespace
}  // namespace moe::gpu
#endif  // MOE_HAVE_NCCL
