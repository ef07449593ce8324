// The engine thread: opens the workload, builds the MoeEngine, the prediction suite (one
// forecast scored at every horizon) and the rebalance controller, records the run into the store,
// and runs core's runLoop on a std::thread that never touches Qt. Frames (plain structs, no
// core pointers) go into a bounded, mutex-protected queue (the lock is held only to push or
// swap); the GUI drains it on a timer. Pause blocks between steps.
#pragma once

#include <atomic>
#include <cmath>
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
    int horizonIndex = 0;  // into ExperimentConfig::horizons
    double relative = 0;
};

// A predictor's score so far at one horizon, for the comparison table.
struct PredictorScoreRow {
    std::string name;
    int horizon = 1;
    double meanRelative = 0;  // mean over (forecast, layer)
    int64_t samples = 0;
    double microsPerForecast = 0;  // per layer
};

// The rebalancing policy's figures so far, for the comparison table.
struct PolicyScoreRow {
    std::string name;
    int rebalances = 0;
    double balancednessBefore = NAN, balancednessAfter = NAN;  // means over rebalances
    int64_t movedExperts = 0;
    double modelledSlowestSeconds = NAN, measuredSlowestSeconds = NAN;  // summed over layers
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
    // Slowest rank's expert time summed over layers: measured, and the performance model's
    // figure for the same rows (NaN without a rebalancer, which owns the model).
    double measuredSlowest = NAN, modelledSlowest = NAN;
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
    std::atomic<bool> stop_{false};
    std::atomic<bool> paused_{false};
    mutable std::mutex mutex_;  // guards everything below but the atomics
    std::condition_variable pauseCv_;
    std::vector<Frame> queue_;
    int64_t dropped_ = 0;
    std::string error_, description_;
    std::vector<std::string> names_;
    std::vector<int> initialCounts_;
    int experts_ = 0;
    std::atomic<int64_t> runId_{0};
    std::string databasePath_;
    std::vector<PredictorScoreRow> scores_;
    PolicyScoreRow policy_;
    std::vector<std::string> warnings_;
};

}  // namespace moe::gui
