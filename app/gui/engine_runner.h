// The engine thread: opens the workload, builds the MoeEngine and runs core's runLoop on a
// std::thread that never touches Qt. Frames go into a bounded, mutex-protected queue (the lock
// is held only to push or swap); the GUI drains it on a timer. Pause blocks between steps.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "app/gui/experiment_config.h"
#include "core/engine/telemetry.h"

namespace moe::gui {

enum class RunState { Idle, Running, Paused, Finished, Failed };

class EngineRunner {
public:
    explicit EngineRunner(size_t capacity = 4096) : capacity_(capacity) {}
    ~EngineRunner();
    EngineRunner(const EngineRunner&) = delete;
    EngineRunner& operator=(const EngineRunner&) = delete;

    // Starts a new run (stopping any previous one first).
    void start(const ExperimentConfig& config);
    void pause();
    void resume();
    // Asks the run to end after the current step and waits for the thread.
    void stop();

    RunState state() const { return state_.load(); }
    bool live() const {
        RunState s = state_.load();
        return s == RunState::Running || s == RunState::Paused;
    }
    // Moves every queued frame into `out` (cleared first). Returns frames dropped since the
    // previous call because the queue was full.
    int64_t drain(std::vector<StepTelemetry>& out);
    // The failure message once state() is Failed; empty otherwise.
    std::string error() const;
    std::string description() const;

private:
    void run(ExperimentConfig config);
    void push(const StepTelemetry& t);

    size_t capacity_;
    std::thread thread_;
    std::atomic<RunState> state_{RunState::Idle};
    std::atomic<bool> stop_{false};
    std::atomic<bool> paused_{false};
    mutable std::mutex mutex_;  // guards queue_, dropped_, error_, description_
    std::condition_variable pauseCv_;
    std::vector<StepTelemetry> queue_;
    int64_t dropped_ = 0;
    std::string error_, description_;
};

}  // namespace moe::gui
