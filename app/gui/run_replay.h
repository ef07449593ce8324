// A finished (or interrupted) run reopened from the store for scrubbing: the step numbers,
// every rebalance decision and each predictor's per-step error are read once on open (they are
// small); loads and rank figures are read per window as the slider moves, so a million-step
// run never has to be in memory. Qt-free; owns its own read connection (safe beside a writer).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/engine/telemetry.h"
#include "core/store/store_records.h"

namespace moe::store {
class ExperimentStore;
}

namespace moe::gui {

// One predictor's error at one horizon over a run: mean over layers per forecast step.
struct ErrorSeries {
    std::string predictor;
    int horizon = 1;
    std::vector<int64_t> steps;
    std::vector<double> relative;
};

// The placement in force at a step, as the placement view draws it.
struct PlacementAt {
    bool known = false;  // false before the first recorded decision
    int64_t decidedAt = 0;
    std::string policy;
    std::vector<int> counts;        // L x G x E replicas per rank and expert
    std::vector<uint8_t> changed;   // L x E: changed by that decision
    double balancednessBefore = 0;  // means over layers
    double balancednessAfter = 0;
    int64_t movedExperts = 0, movedBytes = 0;
};

class RunReplay {
public:
    // Throws moe::Error naming the file and run (missing, damaged, unknown id).
    RunReplay(const std::string& dbPath, int64_t runId);
    ~RunReplay();

    const store::RunRecord& run() const { return run_; }
    const std::vector<int64_t>& steps() const { return steps_; }
    const std::vector<ErrorSeries>& errors() const { return errors_; }
    // The recorded steps in [from, to], rebuilt as telemetry, in order.
    std::vector<StepTelemetry> window(int64_t from, int64_t to);
    PlacementAt placementAt(int64_t step) const;

private:
    std::unique_ptr<store::ExperimentStore> store_;
    store::RunRecord run_;
    std::vector<int64_t> steps_;
    std::vector<ErrorSeries> errors_;
    // Decisions by step: each holds one DecisionRecord per layer.
    std::map<int64_t, std::vector<store::DecisionRecord>> decisions_;
};

}  // namespace moe::gui
