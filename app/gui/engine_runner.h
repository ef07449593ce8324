// The engine thread: runs core's Experiment (core/experiment/experiment.h) on a std::thread
// that never touches Qt. Frames (plain structs, no core pointers) go into a bounded,
// mutex-protected queue (the lock is held only to push or swap) that the GUI drains on a
// timer; pause, stop and parameter changes go to the experiment's command queue. What the
// window asks between frames (names, scores, the first placement) is copied out here, so no
// Qt code ever reads the experiment itself.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "app/gui/experiment_config.h"
#include "core/experiment/experiment_frame.h"

namespace moe {
class ExperimentCommands;
}

namespace moe::gui {

enum class RunState { Idle, Running, Paused, Finished, Failed };

using Frame = moe::ExperimentFrame;

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
    // A parameter change for the running experiment (ExperimentCommands::set).
    void set(const std::string& name, const std::string& value);

    RunState state() const { return state_.load(); }
    bool live() const {
        RunState s = state_.load();
        return s == RunState::Running || s == RunState::Paused;
    }
    // Moves every queued frame into `out` (cleared first). Returns frames dropped since the
    // previous call because the queue was full.
    int64_t drain(std::vector<Frame>& out);
    // The failure message once state() is Failed; empty otherwise.
    std::string error() const;
    std::string description() const;
    // Predictor names (name:parameters) in PredictionPoint::predictor order, once known.
    std::vector<std::string> predictorNames() const;
    // The first placement (L x G x E replica counts) before any rebalance, once known.
    std::vector<int> initialReplicaCounts(int& experts) const;
    // The model's numbers of the workload's layers where they are not 0.. (empty otherwise),
    // once the workload is open.
    std::vector<int> modelLayers() const;
    // The stored run's id once recording started (0 = not recorded) and its database.
    int64_t runId() const { return runId_.load(); }
    std::string databasePath() const;
    // Scores so far (refreshed every 25 steps and at the end).
    std::vector<PredictorScoreRow> predictorScores() const;
    PolicyScoreRow policyScore() const;
    // Problems that did not stop the run (e.g. the store could not be opened), once each.
    std::vector<std::string> takeWarnings();

private:
    void run(ExperimentConfig config);
    void push(Frame&& f);
    void warn(const std::string& message);

    size_t capacity_;
    std::thread thread_;
    std::atomic<RunState> state_{RunState::Idle};
    // The running experiment's command queue; owned by the run thread's experiment, so it is
    // reached only under commandsMutex_ and only while the thread holds it.
    std::mutex commandsMutex_;
    ExperimentCommands* commands_ = nullptr;
    bool stopAsked_ = false;    // a stop before the experiment existed
    mutable std::mutex mutex_;  // guards everything below but the atomics
    std::vector<Frame> queue_;
    int64_t dropped_ = 0;
    std::string error_, description_;
    std::vector<std::string> names_;
    std::vector<int> initialCounts_;
    std::vector<int> modelLayers_;
    int experts_ = 0;
    std::atomic<int64_t> runId_{0};
    std::string databasePath_;
    std::vector<PredictorScoreRow> scores_;
    PolicyScoreRow policy_;
    std::vector<std::string> warnings_;
};

}  // namespace moe::gui
