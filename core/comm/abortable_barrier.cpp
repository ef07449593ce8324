// Generation-counting barrier: the last to arrive bumps the generation and wakes the rest.
// Waiters spin briefly (collectives between ranks are microseconds apart when the cores are
// free), then yield a while (to a rank that shares their core and has work left), and then
// sleep on the generation with C++20 atomic wait (a futex on Linux).
#include "core/comm/abortable_barrier.h"

#include <time.h>

#include <thread>

namespace moe {

namespace {
double threadCpuSeconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}
}  // namespace

void AbortableBarrier::arriveAndWait(double* waitedCpuSeconds) {
    if (aborted()) throw PeerFailure();
    const uint32_t gen = generation_.load(std::memory_order_acquire);
    if (arrived_.fetch_add(1, std::memory_order_acq_rel) + 1 == n_) {
        arrived_.store(0, std::memory_order_relaxed);
        generation_.fetch_add(1, std::memory_order_release);
        generation_.notify_all();
        return;
    }
    double yieldingSince = -1;
    for (int spin = 0; spin < 200; ++spin) {
        if (generation_.load(std::memory_order_acquire) != gen) break;
        if (spin <= 50) continue;
        if (waitedCpuSeconds && yieldingSince < 0) yieldingSince = threadCpuSeconds();
        std::this_thread::yield();
    }
    while (generation_.load(std::memory_order_acquire) == gen)
        generation_.wait(gen, std::memory_order_acquire);
    if (yieldingSince >= 0) *waitedCpuSeconds += threadCpuSeconds() - yieldingSince;
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
