// What the experiment panel edits and the engine thread runs: plain values, no Qt, so the
// runner can copy it onto its thread and the window can save it in QSettings. The defaults are
// issue 6's demo: GPT-OSS-20B replay on 4 ranks, three predictors, EPLB duplication.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace moe::gui {

struct ExperimentConfig {
    std::string workload = "trace:gpt-oss-20b";  // trace:NAME|PATH or synthetic:KEY=VALUE,...
    std::string batching = "continuous";         // tokens | sequence | continuous
    int batchSize = 64;  // sequences in flight (continuous) or tokens per step (tokens)
    int ranks = 4;
    std::string backend = "cpu";  // cpu | cuda (falls back to the CPU with a note)
    int hidden = 128;
    int ffn = 352;
    uint64_t seed = 1;
    int64_t steps = 0;  // 0 = the whole workload

    // Prediction: load predictor specs (core/predict/predictor_factory.h), forecast horizon.
    std::vector<std::string> predictors = {"sw_avg:window=100",
                                           "arima:p=5,d=1,q=5,history=100,refit=100",
                                           "dist_only:profile_steps=50"};
    // Forecast horizons in steps, each scored (errors average over the H steps ahead) from one
    // forecast of the longest; the error view switches between them. Errors lag the run by the
    // longest horizon, since the future must happen before a forecast is scored.
    std::vector<int> horizons = {1, 10};
    bool phases = true;
    // Phase detector smoothing: windowed statistics over the mean share of the last S steps.
    // 0 = automatic: 64 for the live training workload (a step holds ~1k tokens, whose raw
    // shares never look stable), 1 (raw shares) otherwise.
    int phaseSmooth = 0;
    // Rebalancing: policy spec ("none" = off), extra slots over one per expert, schedule.
    std::string policy = "eplb";
    int extraSlots = 8;  // slots per layer = experts + extraSlots
    int64_t rebalanceEvery = 50;
    std::string rebalancePredictor = "sw_avg";

    // The experiment store: every GUI run is recorded unless `record` is off. An empty
    // database means core/store's default ($MOE_DB, else the XDG data folder).
    bool record = true;
    std::string database;
    std::string runName;  // empty: "gui: WORKLOAD"
};

// --bench-ui's experiment: 24 layers x 32 experts of synthetic routing at a rate the views
// must keep up with (at least 2,000 steps/s), six cheap predictor curves, no recording.
ExperimentConfig uiBenchConfig(int64_t steps);

// "1, 10, 100" -> {1, 10, 100}; throws moe::Error naming the bad entry.
std::vector<int> parseHorizons(const std::string& text);
std::string formatHorizons(const std::vector<int>& horizons);

}  // namespace moe::gui
