// How `run` talks to the experiment store: start a recorded run (printing its id), hand it
// every step, and settle it as finished, interrupted (Ctrl-C) or failed (with the message).
// With --no-db it is a no-op, so the run loop has one code path.
#pragma once

#include <memory>
#include <ostream>
#include <string>

#include "core/store/run_recorder.h"

namespace moe::cli {

class RunRecording {
public:
    RunRecording() = default;  // not recording (--no-db)
    // Creates the run in the database at `path`; throws moe::Error naming the file.
    RunRecording(const std::string& path, const store::RunInfo& info,
                 const store::RecorderOptions& options);

    bool active() const { return recorder_ != nullptr; }
    int64_t runId() const { return recorder_ ? recorder_->runId() : 0; }
    const std::string& path() const { return path_; }

    void record(const StepTelemetry& t) {
        if (recorder_) recorder_->record(t);
    }
    void record(store::DecisionRecord d) {
        if (recorder_) recorder_->record(std::move(d));
    }
    void record(store::PredictionRecord p) {
        if (recorder_) recorder_->record(std::move(p));
    }
    // Commits the rest and stores the status; prints "run N saved ..." to `out`.
    void finish(std::ostream& out, bool interrupted, int64_t steps);
    // On an error path: marks the run failed with `message` as far as the file allows; never
    // throws. Tells the user on stderr what was kept.
    void fail(const std::string& message) noexcept;

private:
    std::unique_ptr<store::RunRecorder> recorder_;
    std::string path_;
};

}  // namespace moe::cli
