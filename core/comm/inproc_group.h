// G ranks as threads of one process: the default on a single machine. Collectives exchange
// pointers through shared slots between two barriers, so data is copied exactly once (from
// the sender's buffer into the receiver's), as an RDMA-style all-to-all would. The KeepingSend
// ones need only the first barrier, and the row exchange copies each row from where it lies
// in the sender's buffer to where it goes in the receiver's.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/comm/abortable_barrier.h"
#include "core/comm/communicator.h"

namespace moe {

class InProcessGroup {
public:
    explicit InProcessGroup(int size);
    ~InProcessGroup();
    int size() const { return size_; }
    // The communicator of one rank; use it only from that rank's thread.
    Communicator& rank(int r) { return *ranks_[r]; }
    // Breaks every pending and future collective (a rank failed); reset() re-arms between steps.
    void abort() { barrier_.abort(); }
    void reset();
    bool aborted() const { return barrier_.aborted(); }
    // CPU time all ranks have spent waiting at collectives beyond a brief spin, so far: with
    // more ranks than cores, the yields that hand the core to a peer and come back. Read it
    // between steps.
    double waitedCpuSeconds() const;

private:
    friend class InProcessCommunicator;
    struct Slot {
        const void* send = nullptr;
        const size_t* sendBytes = nullptr;  // per destination
        size_t blockBytes = 0;
        double* reduce = nullptr;
        RowList rows;  // allToAllRows: the sender's rows per destination
    };
    Slot& slot(int parity, int rank) { return slots_[static_cast<size_t>(parity) * size_ + rank]; }
    int size_;
    AbortableBarrier barrier_;
    std::vector<Slot> slots_;      // two sets of size_ (see InProcessCommunicator::publish)
    std::vector<uint32_t> calls_;  // collectives each rank has begun since the last reset
    std::vector<double> waited_;   // each rank's waitedCpuSeconds
    std::vector<std::unique_ptr<Communicator>> ranks_;
};

}  // namespace moe
