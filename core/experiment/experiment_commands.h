// The way into a running experiment from another thread (the GUI) or a signal handler (the
// CLI's Ctrl-C): pause, resume, stop and parameter changes, queued and applied between steps,
// so the run loop never shares mutable state with its callers.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace moe {

class ExperimentCommands {
public:
    void pause();
    void resume();
    // Ends the run after the current step (and wakes a paused run).
    void stop();
    // Only sets a lock-free flag: safe in a signal handler, but does not wake a paused run.
    void requestStop() noexcept { stop_.store(true, std::memory_order_relaxed); }
    // A parameter change, applied before the next step; names are the config's JSON paths
    // (Experiment::parameterNames()). A bad name or value fails the change, not the run: the
    // experiment reports it as a warning.
    void set(const std::string& name, const std::string& value);

    bool stopRequested() const { return stop_.load(std::memory_order_relaxed); }
    bool paused() const { return paused_.load(); }

    // The run loop's side: blocks while paused (until resumed or stopped), then hands over the
    // parameter changes queued so far, in order.
    std::vector<std::pair<std::string, std::string>> awaitTurn();

private:
    std::mutex mutex_;
    std::condition_variable wake_;
    std::atomic<bool> stop_{false};
    std::atomic<bool> paused_{false};
    std::deque<std::pair<std::string, std::string>> changes_;
};

}  // namespace moe
