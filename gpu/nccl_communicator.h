// GPU ranks over NCCL: the Communicator interface with all-to-all(v) as grouped ncclSend /
// ncclRecv, one rank per GPU: several GPUs in one process (one thread per rank), or one GPU per
// process across processes and machines, the NCCL id broadcast over any bootstrap communicator
// (MPI under mpirun). With one GPU it is one rank, through NCCL all the same.
// Unlike the CPU communicators, buffers are DEVICE memory on the rank's GPU (the device-resident
// layer's rows never visit the host); only allReduceSum takes host doubles, as the interface says.
// Each call is complete when it returns (the rank's stream is synchronised).
#pragma once

#include <memory>
#include <vector>

#include "core/comm/communicator.h"

namespace moe::gpu {

class NcclCommunicator final : public Communicator {
public:
    // Collective over `bootstrap`: rank 0 makes the NCCL id and broadcasts it; this process
    // becomes rank bootstrap.rank() of bootstrap.size() on `device`.
    static std::unique_ptr<NcclCommunicator> create(Communicator& bootstrap, int device);
    // One process, one rank per listed GPU (ncclCommInitAll). Use each from its own thread.
    static std::vector<std::unique_ptr<NcclCommunicator>> createAll(
        const std::vector<int>& devices);
    ~NcclCommunicator() override;
    NcclCommunicator(const NcclCommunicator&) = delete;
    NcclCommunicator& operator=(const NcclCommunicator&) = delete;

    int rank() const override;
    int size() const override;
    std::string kind() const override { return "nccl"; }
    int device() const;

    void allToAllV(const void* send, std::span<const size_t> sendBytes, void* recv,
                   std::span<const size_t> recvBytes) override;
    void allToAll(const void* send, size_t blockBytes, void* recv) override;
    void allGather(const void* send, size_t bytes, void* recv) override;
    void allReduceSum(std::span<double> data) override;  // host data; summed in rank order
    void broadcast(void* data, size_t bytes, int root) override;
    void barrier() override;
    void abort() override;
    // Not for device buffers: the default packs rows on the host. Throws, naming the call.
    void allToAllRowsKeepingSend(const void* send, RowList sendRows, void* recv, RowList recvRows,
                                 size_t rowBytes)
        override;  // ncclCommAbort: peers' pending operations fail instead of hanging

    // Whether allToAllV first exchanges the byte counts to check them (one extra small
    // exchange; on by default, off for benchmarks of the transfer itself).
    void setVerifySizes(bool on);

private:
    struct Impl;
    explicit NcclCommunicator(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace moe::gpu
