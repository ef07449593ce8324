// One cell of the what-if matrix: a placement replayed over the workload's steps and the rule
// that changes it. Three kinds: `contiguous` never changes (the lower bound), `predicted`
// rebalances through the same RebalanceController a live run uses, so its plan for step t is
// made from steps up to t-1 only, and `oracle` plans each step from that step's own loads (the
// upper bound no real system reaches). Each step is scored on the loads that actually came.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/balance/policy.h"
#include "core/balance/transition_counts.h"
#include "core/engine/rebalance_controller.h"
#include "core/experiment/replay_placement.h"
#include "core/whatif/step_load_forecaster.h"

namespace moe {

// The cluster a what-if is modelled on: FLOP rate per rank for the expert products, a fixed
// cost per expert call (see expert_calls.h; what a replica costs beyond its rows), the link
// bandwidth weights are copied at.
struct WhatIfCluster {
    double flopRate = 100e12;   // FLOP/s per rank
    double secondsPerCall = 0;  // per expert call; 0 = a layer's time is its busiest rows
    double linkGBs = 50;        // GB/s for copying expert weights
};

// Appended to the predictor of a row scored as the own-input ceiling (a bound, not a strategy).
inline constexpr const char* kCeilingLabel = " (own input: ceiling)";
bool isCeilingRow(const std::string& predictor);

// What one lane measured over the steps it saw.
struct WhatIfScore {
    std::string predictor, policy;  // "contiguous" / "oracle" for the bounds
    int64_t every = 0;              // rebalance cadence in steps; 0 = never
    double threshold = 0;           // > 0: plan only when predicted balancedness is below
    bool migrationAware = false;    // plans relabelled to keep replicas in place
    bool spareSlotsOnly = false;    // a fixed contiguous base; replicas in spare slots only
    std::string preset;             // a serving stack's defaults this row reproduces, if any
    int64_t steps = 0;
    double slowestOverIdeal = 0;  // mean over (step, layer) of max rank rows / (pairs / G)
    double movedExperts = 0;      // all rebalances, all layers
    double movedBytes = 0;
    int64_t rebalances = 0;
    double computeSeconds = 0;      // modelled: slowest rank's time per layer, summed
    double exposedCopySeconds = 0;  // copy time not hidden behind a step's compute
    // The predictor's measured wall time, learning and forecasting, over the `forecasts` steps
    // it ran (shared by every lane of the predictor: it runs once for all of them).
    double forecastSeconds = 0;
    int64_t forecasts = 0;
    double gapClosed = 0;  // share of contiguous -> oracle (same policy); set by the matrix
    // Per layer over the scored steps: slowest/ideal, and the gap closed (set by the matrix),
    // so a user sees which layer a predictor misses.
    std::vector<double> layerSlowestOverIdeal, layerGapClosed;
    // Per step: slowest/ideal averaged over the step's layers (the curve a view draws).
    std::vector<float> perStep;
};

class WhatIfLane {
public:
    static std::unique_ptr<WhatIfLane> contiguous(const MoeLayerConfig& layer, int layers,
                                                  int ranks, const WhatIfCluster& cluster);
    // `options` carry the policy, predictor, slots, cadence, horizon and move budget; lanes of
    // one predictor may share its `forecaster` (null: the lane makes its own).
    static std::unique_ptr<WhatIfLane> predicted(
        const RebalanceOptions& options, const WorkloadShape& shape, const MoeLayerConfig& layer,
        int ranks, const WhatIfCluster& cluster,
        std::shared_ptr<LoadForecaster> forecaster = nullptr);
    // Plans during each step it rebalances on (every `options.every` steps) from a token-level
    // forecast of that step, layer by layer; a layer's weight copies hide behind the layer
    // before it only (layer 0's behind the previous step's last layer).
    static std::unique_ptr<WhatIfLane> inStep(const RebalanceOptions& options,
                                              const WorkloadShape& shape,
                                              const MoeLayerConfig& layer, int ranks,
                                              const WhatIfCluster& cluster,
                                              std::shared_ptr<StepLoadForecaster> forecaster);
    static std::unique_ptr<WhatIfLane> oracle(const RebalanceOptions& options,
                                              const WorkloadShape& shape,
                                              const MoeLayerConfig& layer, int ranks,
                                              const WhatIfCluster& cluster);

    // Step t: (oracle: plan from its loads), replay it on the placement, score it, then (predicted:
    // learn from it and maybe plan for t+1).
    void step(const Step& step, const LoadMatrix& loads);
    const WhatIfScore& score() const { return score_; }
    // The placement the next step will run on, and what the last step ran (rank rows).
    const Placement& placement() const { return placement_.placement(); }
    const StepTelemetry& lastStep() const { return telemetry_; }
    WhatIfScore& score() { return score_; }
    // The first `steps` steps are planned and replayed (predictors learn) but not scored.
    void setWarmup(int64_t steps) { warmup_ = steps; }

private:
    WhatIfLane(const MoeLayerConfig& layer, int layers, int ranks, const WhatIfCluster& cluster);
    static std::unique_ptr<WhatIfLane> planning(const RebalanceOptions& options,
                                                const WorkloadShape& shape,
                                                const MoeLayerConfig& layer, int ranks,
                                                const WhatIfCluster& cluster);
    void plan(const Step& step, const std::vector<double>& load,
              const std::vector<double>* transitions);
    void planInStep(const Step& step);
    double scoreStep(const StepTelemetry& t);
    double layerSeconds(const StepTelemetry& t, int layer, double flopsPerRow);
    void scoreLayers(const std::vector<double>& ratio);  // NaN: the layer had no tokens
    void countMove(int experts, size_t bytes, double stepCompute);
    void countInStepMove(double lastLayerBefore);

    WhatIfCluster cluster_;
    ReplayPlacement placement_;
    std::unique_ptr<RebalanceController> controller_;     // predicted lanes
    std::unique_ptr<Policy> policy_;                      // oracle and in-step lanes
    std::shared_ptr<StepLoadForecaster> stepForecaster_;  // in-step lanes
    RebalanceOptions options_;
    WorkloadShape shape_;
    // Lanes whose policy needs them: the oracle's are this step's, an in-step lane's the
    // steps before.
    TransitionCounts transitions_;
    int64_t seen_ = 0;  // steps stepped
    int64_t warmup_ = 0;
    std::vector<int> pendingLayerMoves_;  // the last plan's moved experts per layer
    std::vector<double> layerCompute_;    // the last step's modelled compute per layer
    std::vector<double> calls_;           // scratch: expert calls per rank
    bool planned_ = false;                // an in-step plan was made for this step
    StepTelemetry telemetry_;
    WhatIfScore score_;
    std::pair<int, size_t> pendingMove_{0, 0};  // the oracle's last plan: experts, bytes
    double slowestSum_ = 0;
    int64_t slowestCount_ = 0;
    std::vector<double> layerSums_;
    std::vector<int64_t> layerCounts_;
};

}  // namespace moe
