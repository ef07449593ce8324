// See run_recording.h.
#include "app/cli/run_recording.h"

#include <iostream>

#include "app/cli/text_table.h"

namespace moe::cli {

RunRecording::RunRecording(const std::string& path, const store::RunInfo& info,
                           const store::RecorderOptions& options)
    : recorder_(std::make_unique<store::RunRecorder>(path, info, options)), path_(path) {}

void RunRecording::finish(std::ostream& out, bool interrupted, int64_t steps) {
    if (!recorder_) return;
    const std::string why =
        interrupted ? "stopped by the user after " + std::to_string(steps) + " steps" : "";
    recorder_->finish(interrupted ? store::RunStatus::Interrupted : store::RunStatus::Finished,
                      why);
    const store::RecorderStats s = recorder_->stats();
    out << "\nrun " << recorder_->runId() << " saved to " << path_ << " ("
        << (interrupted ? "interrupted" : "finished") << ", " << grouped(s.committedSteps)
        << " steps";
    if (s.framesDropped)
        out << "; " << grouped(s.framesDropped)
            << " frames dropped because the recorder's queue was full";
    out << ")\n";
}

void RunRecording::fail(const std::string& message) noexcept {
    if (!recorder_) return;
    try {
        recorder_->finish(store::RunStatus::Failed, message);
    } catch (...) {
        // The recorder's own failure (e.g. disk full) is the message the caller rethrows.
    }
    try {
        std::cerr << "run " << recorder_->runId() << " in " << path_ << " marked failed; its "
                  << grouped(recorder_->stats().committedSteps) << " committed steps are kept\n";
    } catch (...) {
    }
}

}  // namespace moe::cli
