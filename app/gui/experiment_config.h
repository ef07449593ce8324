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
    int hidden = 128;
    int ffn = 352;
    uint64_t seed = 1;
    int64_t steps = 0;  // 0 = the whole workload

    // Prediction: load predictor specs (core/predict/predictor_factory.h), forecast horizon.
    std::vector<std::string> predictors = {"sw_avg:window=100",
                                           "arima:p=5,d=1,q=5,history=100,refit=100",
                                           "dist_only:profile_steps=50"};
    int horizon = 1;
    bool phases = true;
    // Rebalancing: policy spec ("none" = off), extra slots over one per expert, schedule.
    std::string policy = "eplb";
    int extraSlots = 8;  // slots per layer = experts + extraSlots
    int64_t rebalanceEvery = 50;
    std::string rebalancePredictor = "sw_avg";
};

}  // namespace moe::gui
