// The engine thread: opens the workload, builds the MoeEngine, the prediction suite and the
// rebalance controller, and runs core's runLoop on a std::thread that never touches Qt. Frames
// (plain structs, no core pointers) go into a bounded, mutex-protected queue (the lock is held
// only to push or swap); the GUI drains it on a timer. Pause blocks between steps.
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

// One scored forecast of one predictor: relative error averaged over layers.
struct PredictionPoint {
    int64_t step = 0;  // the last step the predictor had seen
    int predictor = 0;
    double relative = 0;
};

// A copy of core's RebalanceEvent (whose header Qt's `slots` macro cannot see).
struct RebalanceInfo {
    int64_t step = 0;
    double balancednessBefore = 0, balancednessAfter = 0;  // predicted, mean over layers
    int movedExperts = 0;
    size_t movedBytes = 0;
};

struct Frame {
    StepTelemetry telemetry;
    std::vector<PredictionPoint> errors;  // scored during this step (they lag by the horizon)
    std::vector<uint8_t> stable;          // per layer: 1 = stable phase (empty: detector off)
    bool rebalanced = false;
    RebalanceInfo event;  // when rebalanced
    int experts = 0;
    std::vector<int> replicaCounts;  // when rebalanced: L x G x E replicas per rank and expert
    std::vector<uint8_t> changed;    // when rebalanced: L x E, 1 = replica set changed
};

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
    int64_t drain(std::vector<Frame>& out);
    // The failure message once state() is Failed; empty otherwise.
    std::string error() const;
    std::string description() const;
    // Predictor names (name:parameters) in PredictionPoint::predictor order, once known.
    std::vector<std::string> predictorNames() const;
    // The first placement (L x G x E replica counts) before any rebalance, once known.
    std::vector<int> initialReplicaCounts(int& experts) const;

private:
    void run(ExperimentConfig config);
    void push(Frame&& f);

    size_t capacity_;
    std::thread thread_;
    std::atomic<RunState> state_{RunState::Idle};
    std::atomic<bool> stop_{false};
    std::atomic<bool> paused_{false};
    mutable std::mutex mutex_;  // guards queue_, dropped_, error_, description_, names_
    std::condition_variable pauseCv_;
    std::vector<Frame> queue_;
    int64_t dropped_ = 0;
    std::string error_, description_;
    std::vector<std::string> names_;
    std::vector<int> initialCounts_;
    int experts_ = 0;
};

}  // namespace moe::gui
