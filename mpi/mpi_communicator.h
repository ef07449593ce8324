// Ranks as processes: the Communicator interface over MPI, one rank per process, so
// `mpirun -np G moe-workbench-cli run` spreads the expert-parallel layer over G processes on
// one machine or, with a host file, over several. The dispatch code (ExpertParallelLayer) is
// the same one the in-process threads run; only the transport differs.
#pragma once

#include <mpi.h>

#include <string>

#include "core/comm/communicator.h"
#include "core/common/error.h"

namespace moe::mpi {

// Throws moe::Error naming the MPI call, MPI's own message and our file:line when `rc` is not
// MPI_SUCCESS. Communicators made here return errors instead of aborting (MPI_ERRORS_RETURN).
void check(int rc, const char* call, SourceLocation at = SourceLocation::current());

class MpiCommunicator final : public Communicator {
public:
    // Works on a duplicate of `comm`, so its collectives never match another library's
    // messages on the same communicator. Needs MPI initialised (MpiSession).
    explicit MpiCommunicator(MPI_Comm comm = MPI_COMM_WORLD);
    ~MpiCommunicator() override;
    MpiCommunicator(const MpiCommunicator&) = delete;
    MpiCommunicator& operator=(const MpiCommunicator&) = delete;

    int rank() const override { return rank_; }
    int size() const override { return size_; }
    std::string kind() const override { return "mpi"; }

    void allToAllV(const void* send, std::span<const size_t> sendBytes, void* recv,
                   std::span<const size_t> recvBytes) override;
    void allToAll(const void* send, size_t blockBytes, void* recv) override;
    void allGather(const void* send, size_t bytes, void* recv) override;
    void allReduceSum(std::span<double> data) override;
    void broadcast(void* data, size_t bytes, int root) override;
    void barrier() override;
    // Marks this communicator failed: later collectives throw at once. Peers are released by
    // MPI_Abort, which the caller issues after reporting the error (MpiSession::abort).
    void abort() override { aborted_ = true; }
    bool aborted() const { return aborted_; }

    // Ranks sharing this machine (MPI_COMM_TYPE_SHARED) and distinct machines in the job.
    int localSize() const { return localSize_; }
    int localRank() const { return localRank_; }
    int hosts() const { return hosts_; }
    MPI_Comm handle() const { return comm_; }
    // Largest message handed to MPI in one piece (default: MPI's int count limit). Tests lower
    // it to exercise the chunked and pairwise paths that big steps take.
    void setMaxMessageBytes(size_t bytes) { maxMessage_ = bytes > 0 ? bytes : 1; }

private:
    void ensureUsable() const;
    // Pairwise exchange for messages whose byte counts or offsets overflow MPI's int counts.
    void allToAllVLarge(const char* send, std::span<const size_t> sendBytes, char* recv,
                        std::span<const size_t> recvBytes);
    MPI_Comm comm_ = MPI_COMM_NULL;
    int rank_ = 0, size_ = 1;
    int localSize_ = 1, localRank_ = 0, hosts_ = 1;
    bool aborted_ = false;
    size_t maxMessage_;
};

}  // namespace moe::mpi
