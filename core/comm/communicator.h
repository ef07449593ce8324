// What ranks say to each other. The heart is all-to-all(v): tokens go to the ranks that hold
// their experts and results come back. In-process threads, MPI processes and NCCL GPUs all
// implement this one interface, so the dispatch code is written once.
#pragma once

#include <cstddef>
#include <span>
#include <string>

namespace moe {

class Communicator {
public:
    virtual ~Communicator() = default;
    virtual int rank() const = 0;
    virtual int size() const = 0;
    virtual std::string kind() const = 0;  // "inproc", "mpi", "nccl"

    // Rank r sends sendBytes[d] bytes to each rank d, packed in rank order in `send`, and
    // receives recvBytes[s] bytes from each rank s, packed in rank order into `recv`.
    // Every rank must know its recvBytes (exchange counts first with allToAll).
    virtual void allToAllV(const void* send, std::span<const size_t> sendBytes, void* recv,
                           std::span<const size_t> recvBytes) = 0;
    // Fixed-size all-to-all: block d of `send` (blockBytes each) goes to rank d; block s of
    // `recv` comes from rank s.
    virtual void allToAll(const void* send, size_t blockBytes, void* recv) = 0;
    // recv (size() * bytes) = every rank's `send`, in rank order.
    virtual void allGather(const void* send, size_t bytes, void* recv) = 0;
    // Element-wise sum across ranks, in place.
    virtual void allReduceSum(std::span<double> data) = 0;
    virtual void barrier() = 0;
    // After a local failure: break the collectives peers wait in, so they fail too instead of
    // hanging (MPI_Abort's role, but recoverable for in-process ranks).
    virtual void abort() = 0;
};

}  // namespace moe
