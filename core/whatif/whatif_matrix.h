// The what-if matrix (issue 14's evaluation): one pass over a workload's steps drives every
// combination of load predictor x policy x cadence at once, each on its own replayed placement,
// beside the two bounds (contiguous, and each policy's oracle). It answers "which prediction
// strategy and placement policy would make this traffic fastest, and what would it move?" from
// the placement each forecast actually produced, not from an assumed error.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "core/experiment/experiment_config.h"
#include "core/whatif/whatif_lane.h"

namespace moe {

// What a serving stack does by default, read from its source: the load window it averages, how
// often it re-plans, and the policy (both use DeepSeek's EPLB).
struct StackPreset {
    std::string name;
    int window = 1000;  // steps of recorded loads a plan uses
    int64_t every = 0;  // steps between rearrangements
};
// vLLM: EPLBConfig window_size 1000, step_interval 3000. SGLang: eplb_rebalance_num_iterations
// 1000, the recorder's buffer sized to it, eplb_min_rebalancing_utilization_threshold 1.0
// (re-plan whenever the window is not perfectly balanced). Throws moe::Error naming the known.
StackPreset stackPreset(const std::string& name);

struct WhatIfSpec {
    // The workload (spec, batching, steps), seed, model widths (hidden, ffn: FLOPs and bytes
    // per expert), ranks, slots (rebalance.slots / extra_slots), the forecast horizon
    // (0 = each cadence's own), threshold and max moves come from here.
    ExperimentConfig base;
    std::vector<std::string> predictors;  // load predictor specs
    std::vector<std::string> policies;    // policy specs
    std::vector<int64_t> cadences;        // rebalance every N steps
    // More schedules: checked every step, planned when the predicted balancedness of the
    // current placement (mean/max rows per rank under the forecast) falls below the value.
    std::vector<double> thresholds;
    // Plans as the policy makes them (false) and relabelled to keep replicas in place (true).
    std::vector<bool> migrationModes = {false};
    // Budgets: any slot (false) and spare slots only over a fixed contiguous base (true, as
    // MoE-GPS duplicates). Relabelling does not apply to the latter, whose base never moves.
    std::vector<bool> spareModes = {false};
    std::vector<StackPreset> presets;  // extra rows: each stack's default EPLB schedule
    WhatIfCluster cluster;
    int threads = 0;  // lanes in parallel; 0 = all cores
    // Steps every lane runs (predictors learn, placements change) before scoring begins.
    int64_t warmup = 0;
    // One predictor instance for all policies and cadences (the same figures, once the cost);
    // off only to check that sharing changes nothing.
    bool shareForecasts = true;
    // Accept predictors that read each layer's own router input (t2e_ffn), labelled
    // "(own input: ceiling)": how far any lookahead could get, not a strategy.
    bool ownInputCeiling = false;
};

struct WhatIfResult {
    std::string workload;  // the workload's description
    int64_t steps = 0;     // steps replayed, warm-up included
    int64_t warmup = 0;    // of those, not scored
    int ranks = 0, layers = 0, experts = 0;
    std::vector<WhatIfScore> rows;  // contiguous first, then per policy its oracle and lanes
};

// Throws moe::Error naming the bad predictor, policy or cadence before any step is read.
// `progress(steps)` after each step; `stop` ends the pass early (the rows cover what ran).
WhatIfResult runWhatIf(const WhatIfSpec& spec, const std::function<void(int64_t)>& progress = {},
                       const std::atomic<bool>* stop = nullptr);

}  // namespace moe
