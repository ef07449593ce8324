// The bounded hand-off between the thread that produces records (the engine's run loop) and
// the recorder thread. A mutex-protected vector rather than a lock-free SPSC ring: predictors,
// policies and the GUI may add records from other threads too (several producers), records
// vary in size so the bound is in bytes rather than slots, and the lock is held only to append
// one moved record or to swap the whole vector out, a few hundred nanoseconds, at a rate of
// one consumer swap per batch (about a second) - nothing an engine step would notice.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <variant>
#include <vector>

#include "core/engine/telemetry.h"
#include "core/store/store_records.h"

namespace moe::store {

using RecorderItem = std::variant<StepTelemetry, PredictionRecord, DecisionRecord, MetricRecord>;

// Approximate heap and inline bytes of one record, for the queue's memory bound.
size_t approximateBytes(const RecorderItem& item);

class RecordQueue {
public:
    explicit RecordQueue(size_t maxBytes) : maxBytes_(maxBytes) {}

    // Queues `item`, waiting up to `maxWait` for room. False when it was not queued (still
    // full after the wait, or closed); the caller counts it as dropped. A single record larger
    // than the whole bound is queued when the queue is empty, so it is never dropped forever.
    bool push(RecorderItem&& item, std::chrono::milliseconds maxWait);

    // Waits until `deadline`, close(), or the queue filling past half its bound (so a fast
    // producer meets an early commit instead of a full queue), then moves everything queued
    // into `out` (which it clears first). Returns true when the queue is closed: `out` then
    // holds the last records there will ever be.
    bool drainUntil(std::chrono::steady_clock::time_point deadline, std::vector<RecorderItem>& out);

    // Makes the consumer's current (or next) drainUntil() return at once.
    void wakeConsumer();
    // No more pushes; wakes the consumer and any producer waiting for room.
    void close();
    size_t queuedBytes() const;

private:
    const size_t maxBytes_;
    mutable std::mutex mutex_;
    std::condition_variable consumerWake_, producerWake_;
    std::vector<RecorderItem> items_;
    size_t bytes_ = 0;
    bool closed_ = false;
    bool wake_ = false;
};

}  // namespace moe::store
