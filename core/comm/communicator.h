// What ranks say to each other. The heart is all-to-all(v): tokens go to the ranks that hold
// their experts and results come back. In-process threads, MPI processes and NCCL GPUs all
// implement this one interface, so the dispatch code is written once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "core/common/error.h"

namespace moe {

// An error every rank raises at the same point (the root's workload failed and said so to
// all; a setting every rank checks alike): no rank is left inside a collective, so the job can
// end normally with one report instead of aborting every process.
class CollectiveError : public Error {
public:
    using Error::Error;
};

// Which rows of a buffer go to (or come from) each rank: rank d's are rows index[start[d]] ..
// index[start[d + 1] - 1], or rows start[d] .. start[d + 1] - 1 in order when index is empty.
struct RowList {
    std::span<const int32_t> index;
    std::span<const size_t> start;  // one entry per rank, plus the end
    size_t row(size_t i) const { return index.empty() ? i : static_cast<size_t>(index[i]); }
    size_t count(int rank) const { return start[rank + 1] - start[rank]; }
};

// Throws unless both lists have one start per rank of `ranks`, plus the end.
void checkRowLists(int ranks, const RowList& sendRows, const RowList& recvRows);

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
    // Element-wise sum across ranks, in place. Every implementation sums in rank order, so
    // every rank gets the same bits (an MPI_Allreduce tree may not, and ranks that disagree by
    // one ulp on a placement boundary would disagree on where a row goes).
    virtual void allReduceSum(std::span<double> data) = 0;
    // `bytes` bytes of `data` on rank `root` are copied into `data` on every other rank
    // (the root's buffer is only read). How one process's workload feeds the others.
    virtual void broadcast(void* data, size_t bytes, int root) = 0;
    virtual void barrier() = 0;

    // allToAllV and allGather that may return before every peer has read `send`: the caller
    // leaves `send` and `sendBytes` unchanged (and alive) until its next collective on this
    // communicator has returned. Threads sharing memory then need one synchronisation per
    // collective instead of two, which is what a layer's three collectives cost most of when ranks
    // share cores. The default is the plain, blocking collective.
    virtual void allToAllVKeepingSend(const void* send, std::span<const size_t> sendBytes,
                                      void* recv, std::span<const size_t> recvBytes) {
        allToAllV(send, sendBytes, recv, recvBytes);
    }
    virtual void allGatherKeepingSend(const void* send, size_t bytes, void* recv) {
        allGather(send, bytes, recv);
    }
    // All-to-all of rows of `rowBytes` each, taken from and put at the rows the lists name, so
    // neither side packs: the expert dispatch sends token rows straight from the activations
    // and receives them grouped by expert. Same contract on `send` and `sendRows` as above.
    // The default packs, calls allToAllV and unpacks, in host memory (not for NCCL's buffers).
    virtual void allToAllRowsKeepingSend(const void* send, RowList sendRows, void* recv,
                                         RowList recvRows, size_t rowBytes);
    // After a local failure: break the collectives peers wait in, so they fail too instead of
    // hanging. In-process ranks fail their peers at once (recoverable); MPI ranks refuse further
    // collectives and leave MPI_Abort to the caller, after it has reported the error
    // (mpi/mpi_session.h), since MPI_Abort ends the process.
    virtual void abort() = 0;
};

}  // namespace moe
