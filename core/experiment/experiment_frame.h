// What an experiment publishes once per step, and the score rows it keeps: plain copyable data
// with no pointers into the run, so a front end may hold frames on another thread (the GUI's
// queue) or print them. Nothing here includes Qt-hostile headers (see experiment_config.h).
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/engine/telemetry.h"

namespace moe {

// One scored forecast of one predictor: relative error averaged over layers.
struct PredictionPoint {
    int64_t step = 0;      // the last step the predictor had seen
    int predictor = 0;     // into Experiment::predictorNames()
    int horizonIndex = 0;  // into ExperimentPrediction::horizons
    double relative = 0;
};

// A predictor's score so far at one horizon, for comparison tables.
struct PredictorScoreRow {
    std::string name;         // spec as compared: name[:parameters]
    bool tokenLevel = false;  // a token-to-expert predictor (scored at horizon 1)
    int horizon = 1;
    double meanRelative = NAN;  // mean relative load error over (forecast, layer)
    int64_t samples = 0;
    double microsPerForecast = 0;  // per layer
    // Token-to-expert predictors only: top-1 accuracy and top-k overlap over tokens.
    double accuracy = NAN, topKOverlap = NAN;
};

// The rebalancing policy's figures so far.
struct PolicyScoreRow {
    std::string name;
    int rebalances = 0;
    double balancednessBefore = NAN, balancednessAfter = NAN;  // means over rebalances
    int64_t movedExperts = 0;
    double modelledSlowestSeconds = NAN, measuredSlowestSeconds = NAN;  // summed over layers
};

// One rebalance, as the frame of the step after which it happened carries it.
struct RebalanceInfo {
    int64_t step = 0;  // the first step that runs with the new placement
    double balancednessBefore = 0, balancednessAfter = 0;  // predicted, mean over layers
    int movedExperts = 0;
    size_t movedBytes = 0;
};

struct ExperimentFrame {
    StepTelemetry telemetry;
    std::vector<PredictionPoint> errors;  // scored during this step (they lag by the horizon)
    std::vector<uint8_t> stable;          // per layer: 1 = stable phase (empty: detector off)
    // Slowest rank's expert time summed over layers, this step: measured, and the performance
    // model's figure for the same rows (NaN without a rebalancer, which owns the model).
    double measuredSlowest = NAN, modelledSlowest = NAN;
    // The same by the model fitted to the run's measured busy times so far (a FLOP rate and a
    // cost per expert call): what the model says once calibrated. NaN until it can be fitted.
    double fittedSlowest = NAN;
    // The same step's balancedness (mean over layers of mean/max rows per rank) under the two
    // bounds of the run's policy: contiguous placement, and the policy planned from this step's
    // own loads (oracle). NaN without a policy, and the oracle for MoETuner (an ILP per step).
    double balancedness = NAN, contiguousBalancedness = NAN, oracleBalancedness = NAN;
    bool rebalanced = false;
    RebalanceInfo event;  // when rebalanced
    int experts = 0;
    std::vector<int> replicaCounts;  // when rebalanced: L x G x E replicas per rank and expert
    std::vector<uint8_t> changed;    // when rebalanced: L x E, 1 = replica set changed
};

}  // namespace moe
