// The inside of an Experiment, shared by its two source files (experiment.cpp builds the
// parts, experiment_run.cpp runs the steps); nothing outside core/experiment includes it.
#pragma once

#include <memory>
#include <string>

#include "core/engine/moe_engine.h"
#include "core/engine/rebalance_controller.h"
#include "core/engine/run_summary.h"
#include "core/experiment/experiment.h"
#include "core/experiment/prediction_tracker.h"
#include "core/experiment/replay_placement.h"
#include "core/stats/loads_csv_writer.h"
#include "core/store/run_recorder.h"
#include "core/whatif/whatif_lane.h"
#include "core/workload/workload.h"

namespace moe {

struct Experiment::Impl {
    ExperimentConfig config;
    ExperimentEnvironment env;
    ExperimentCommands commands;
    BackendSelection backend;
    std::unique_ptr<Workload> workload;
    WorkloadShape shape;
    std::unique_ptr<MoeEngine> engine;
    std::unique_ptr<ReplayPlacement> replay;
    std::unique_ptr<PredictionTracker> tracker;
    std::unique_ptr<RebalanceController> rebalancer;
    // The bounds the run's policy is judged by, replayed on every step beside it (the oracle
    // is left out for MoETuner, whose ILPs are too slow to solve every step).
    std::unique_ptr<WhatIfLane> contiguousBound, oracleBound;
    std::unique_ptr<LoadsCsvWriter> csv;
    std::unique_ptr<store::RunRecorder> recorder;
    std::string databasePath;
    RunSummary summary;
    Placement initial;   // the placement the run started with
    Placement previous;  // the placement before the last rebalance, for the changed map
    double measuredSum = 0, modelledSum = 0;
    bool opened = false;

    bool root() const { return !env.communicator || env.communicator->rank() == 0; }
    PlacementTarget& target() const {
        return engine ? static_cast<PlacementTarget&>(*engine) : *replay;
    }
    void notice(const std::string& message) const {
        if (env.notice) env.notice(message);
    }
    void openWorkload();
    void buildEngine();
    void buildRootParts();
    void startRecording();
    int64_t loop(const FrameSink& sink);
    void onStep(const Step& step, const StepTelemetry& t, const FrameSink& sink);
    void rebalance(const StepTelemetry& t, ExperimentFrame& f);
    void makeBounds();
    void scoreBounds(const Step& step, const StepTelemetry& t, ExperimentFrame& f);
    void applyChanges(int64_t step);
    void settleRecording(const std::string* failure);
};

}  // namespace moe
