// See record_queue.h.
#include "core/store/record_queue.h"

namespace moe::store {

size_t approximateBytes(const RecorderItem& item) {
    struct Size {
        size_t operator()(const StepTelemetry& t) const {
            return sizeof t + t.loads.all().size() * sizeof(int64_t) +
                   t.dropped.size() * sizeof(int64_t) + t.rankRows.size() * sizeof(int64_t) +
                   t.rankBusySeconds.size() * sizeof(double);
        }
        size_t operator()(const PredictionRecord& p) const {
            return sizeof p + p.predictor.size() + p.shares.size() * sizeof(float);
        }
        size_t operator()(const DecisionRecord& d) const {
            return sizeof d + d.policy.size() + (d.replicas.size() + d.slotRanks.size()) * 4;
        }
        size_t operator()(const MetricRecord& m) const { return sizeof m + m.key.size(); }
    };
    return std::visit(Size{}, item);
}

bool RecordQueue::push(RecorderItem&& item, std::chrono::milliseconds maxWait) {
    const size_t size = approximateBytes(item);
    std::unique_lock lock(mutex_);
    const auto fits = [&] { return closed_ || bytes_ == 0 || bytes_ + size <= maxBytes_; };
    if (!fits() && !producerWake_.wait_for(lock, maxWait, fits)) return false;
    if (closed_) return false;
    items_.push_back(std::move(item));
    bytes_ += size;
    if (bytes_ * 2 > maxBytes_) consumerWake_.notify_one();
    return true;
}

bool RecordQueue::drainUntil(std::chrono::steady_clock::time_point deadline,
                             std::vector<RecorderItem>& out) {
    out.clear();
    std::unique_lock lock(mutex_);
    consumerWake_.wait_until(lock, deadline,
                             [&] { return closed_ || wake_ || bytes_ * 2 > maxBytes_; });
    wake_ = false;
    out.swap(items_);
    bytes_ = 0;
    producerWake_.notify_all();
    return closed_;
}

void RecordQueue::wakeConsumer() {
    std::lock_guard lock(mutex_);
    wake_ = true;
    consumerWake_.notify_all();
}

void RecordQueue::close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    consumerWake_.notify_all();
    producerWake_.notify_all();
}

size_t RecordQueue::queuedBytes() const {
    std::lock_guard lock(mutex_);
    return bytes_;
}

}  // namespace moe::store
