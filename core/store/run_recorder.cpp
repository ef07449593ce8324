// See run_recorder.h.
#include "core/store/run_recorder.h"

namespace moe::store {

RunRecorder::RunRecorder(const std::string& path, const RunInfo& info,
                         const RecorderOptions& options)
    : options_(options),
      writer_(std::make_unique<RunWriter>(path, info, options.writer)),
      path_(path),
      runId_(writer_->runId()),
      queue_(options.maxQueuedBytes) {
    thread_ = std::thread([this] { loop(); });
}

RunRecorder::~RunRecorder() {
    try {
        finish(RunStatus::Interrupted, "the recorder was closed before the run finished");
    } catch (...) {
        // Nothing to report to from a destructor; the committed batches stay in the file.
    }
}

void RunRecorder::loop() {
    std::vector<RecorderItem> batch;
    auto deadline = std::chrono::steady_clock::now() + options_.batchInterval;
    for (;;) {
        const bool last = queue_.drainUntil(deadline, batch);
        deadline = std::chrono::steady_clock::now() + options_.batchInterval;
        try {
            writer_->writeBatch(batch, dropped_.load());
            committedSteps_ = writer_->committedSteps();
            ++batches_;
        } catch (const Error& e) {
            {
                std::lock_guard lock(errorMutex_);
                error_ = e;
            }
            failed_ = true;
            queue_.close();  // producers see the error at their next record()
            std::lock_guard lock(flushMutex_);
            flushed_.notify_all();
            return;
        }
        {
            std::lock_guard lock(flushMutex_);
            committed_ += static_cast<int64_t>(batch.size());
            flushed_.notify_all();
        }
        if (last) return;
    }
}

void RunRecorder::throwIfFailed() const {
    if (!failed_.load(std::memory_order_relaxed)) return;
    std::lock_guard lock(errorMutex_);
    throw *error_;
}

void RunRecorder::push(RecorderItem&& item) {
    throwIfFailed();
    if (!queue_.push(std::move(item), options_.maxBlock)) {
        throwIfFailed();  // closed because the thread failed meanwhile
        ++dropped_;
        return;
    }
    std::lock_guard lock(flushMutex_);
    ++queued_;
}

void RunRecorder::flush() {
    std::unique_lock lock(flushMutex_);
    const int64_t target = queued_;
    queue_.wakeConsumer();
    flushed_.wait(lock, [&] { return committed_ >= target || failed_ || finished_; });
    lock.unlock();
    throwIfFailed();
}

void RunRecorder::record(const StepTelemetry& t) { push(RecorderItem(t)); }
void RunRecorder::record(PredictionRecord p) { push(RecorderItem(std::move(p))); }
void RunRecorder::record(DecisionRecord d) { push(RecorderItem(std::move(d))); }
void RunRecorder::record(MetricRecord m) { push(RecorderItem(std::move(m))); }

void RunRecorder::finish(RunStatus status, const std::string& error) {
    if (finished_.exchange(true)) return;
    queue_.close();
    if (thread_.joinable()) thread_.join();
    // The thread has ended: this thread may now use the writer's connection.
    if (failed_) {
        std::lock_guard lock(errorMutex_);
        try {
            writer_->finish(RunStatus::Failed, error_->what(), dropped_.load());
        } catch (...) {
            // The file refuses even that (e.g. still full): the next open shows the run as
            // interrupted, and every committed batch is still there.
        }
        throw *error_;
    }
    writer_->finish(status, error, dropped_.load());
}

RecorderStats RunRecorder::stats() const {
    RecorderStats s;
    s.committedSteps = committedSteps_.load();
    s.batches = batches_.load();
    s.framesDropped = dropped_.load();
    s.queuedBytes = queue_.queuedBytes();
    return s;
}

}  // namespace moe::store
