// Generation-counting barrier: the last to arrive bumps the generation and wakes the rest.
// Waiters spin briefly (collectives between ranks are microseconds apart when the cores are
// free) and then sleep on the generation with C++20 atomic wait (a futex on Linux).
#include "core/comm/abortable_barrier.h"

#include <thread>

namespace moe {

void AbortableBarrier::arriveAndWait() {
    if (aborted()) throw PeerFailure();
    const uint32_t gen = generation_.load(std::memory_order_acquire);
    if (arrived_.fetch_add(1, std::memory_order_acq_rel) + 1 == n_) {
        arrived_.store(0, std::memory_order_relaxed);
        generation_.fetch_add(1, std::memory_order_release);
        generation_.notify_all();
        return;
    }
    for (int spin = 0; spin < 200; ++spin) {
        if (generation_.load(std::memory_order_acquire) != gen) break;
        if (spin > 50) std::this_thread::yield();
    }
    while (generation_.load(std::memory_order_acquire) == gen)
        generation_.wait(gen, std::memory_order_acquire);
    if (aborted()) throw PeerFailure();
}

void AbortableBarrier::abort() {
    aborted_.store(true, std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_release);
    generation_.notify_all();
}

void AbortableBarrier::reset() {
    arrived_.store(0, std::memory_order_relaxed);
    aborted_.store(false, std::memory_order_release);
}

}  // namespace moe
