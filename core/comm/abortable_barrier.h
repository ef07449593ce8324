// A reusable barrier that can be broken. std::barrier cannot: if one rank throws between two
// collectives its peers would wait forever. Here the failing rank calls abort() and every
// waiter (now and later) throws PeerFailure, so an error on one rank ends the step cleanly.
#pragma once

#include <atomic>
#include <cstdint>

#include "core/common/error.h"

namespace moe {

// Thrown on ranks whose peer failed; the peer's own error is the one to report.
class PeerFailure : public Error {
public:
    PeerFailure() : Error("another rank failed during a collective") {}
};

class AbortableBarrier {
public:
    explicit AbortableBarrier(int participants) : n_(participants) {}
    // `waitedCpuSeconds`, when given, gains the thread's CPU time spent waiting once the
    // brief spin is over (yielding to ranks that share the core, or asleep: that costs none).
    void arriveAndWait(double* waitedCpuSeconds = nullptr);
    void abort();
    void reset();  // only while nobody waits (between steps)
    bool aborted() const { return aborted_.load(std::memory_order_acquire); }

private:
    const int n_;
    std::atomic<int> arrived_{0};
    std::atomic<uint32_t> generation_{0};
    std::atomic<bool> aborted_{false};
};

}  // namespace moe
