// Records a run into the experiment store without slowing the engine: record() only queues
// (bounded, see record_queue.h); a thread of its own, with its own SQLite connection, commits
// what is queued about once a second in one transaction. A crash loses at most the batch in
// flight; finish() commits the rest and marks the run finished, failed or interrupted.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/common/error.h"
#include "core/store/record_queue.h"
#include "core/store/run_writer.h"

namespace moe::store {

struct RecorderOptions {
    std::chrono::milliseconds batchInterval{1000};  // how often a batch is committed
    size_t maxQueuedBytes = 64u << 20;              // memory bound of the queue
    // When the queue is full, record() waits this long for room, then drops the record and
    // counts it (the count is stored with the run and shown by `runs show`). Waiting briefly
    // rides out a slow commit without losing data; never waiting longer keeps a stalled disk
    // from stalling the engine.
    std::chrono::milliseconds maxBlock{250};
    WriterOptions writer;
};

struct RecorderStats {
    int64_t committedSteps = 0;
    int64_t batches = 0;        // committed transactions
    int64_t framesDropped = 0;  // records not kept because the queue stayed full
    size_t queuedBytes = 0;
};

class RunRecorder {
public:
    // Creates the run (synchronously, so its id is known and a bad file fails here) and
    // starts the recorder thread. Throws moe::Error naming the file.
    RunRecorder(const std::string& path, const RunInfo& info, const RecorderOptions& options = {});
    // A recorder destroyed without finish() marks its run interrupted (e.g. on an exception
    // path that did not call finish()).
    ~RunRecorder();
    RunRecorder(const RunRecorder&) = delete;
    RunRecorder& operator=(const RunRecorder&) = delete;

    int64_t runId() const { return runId_; }
    const std::string& path() const { return path_; }

    // Queue a record. Throws the recorder's moe::Error once its thread has failed (disk full,
    // run deleted), so the caller stops instead of running on unrecorded.
    void record(const StepTelemetry& t);
    void record(PredictionRecord p);
    void record(DecisionRecord d);
    void record(MetricRecord m);

    // Commits everything recorded so far now, without waiting for the batch interval, and
    // returns once it is in the file. Throws the recorder's moe::Error if it failed.
    void flush();

    // Stops the thread after committing everything queued, then stores the final status.
    // Throws moe::Error if any batch or the final update failed (the run is then marked
    // failed where the file still allows it). Idempotent.
    void finish(RunStatus status, const std::string& error = {});

    RecorderStats stats() const;

private:
    void push(RecorderItem&& item);
    void loop();
    void throwIfFailed() const;

    RecorderOptions options_;
    std::unique_ptr<RunWriter> writer_;
    std::string path_;
    int64_t runId_ = 0;
    RecordQueue queue_;
    std::thread thread_;
    std::atomic<bool> failed_{false}, finished_{false};
    mutable std::mutex errorMutex_;
    std::optional<Error> error_;
    std::atomic<int64_t> committedSteps_{0}, batches_{0}, dropped_{0};
    // Records queued and records committed, for flush(); guarded by flushMutex_.
    std::mutex flushMutex_;
    std::condition_variable flushed_;
    int64_t queued_ = 0, committed_ = 0;
};

}  // namespace moe::store
