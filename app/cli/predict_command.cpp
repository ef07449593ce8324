// `predict`: run any set of load predictors (and token-to-expert predictors) side by side over
// a workload's routing and compare their errors and costs; optionally split each layer into
// transient and stable phases. No layer is executed: predictions need routing only.
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "app/cli/commands.h"
#include "app/cli/option_checks.h"
#include "app/cli/predict_report.h"
#include "app/cli/progress_meter.h"
#include "app/cli/run_recording.h"
#include "app/cli/store_options.h"
#include "app/cli/text_table.h"
#include "app/cli/workload_flags.h"
#include "core/common/error.h"
#include "core/engine/routing_telemetry.h"
#include "core/predict/prediction_suite.h"
#include "core/store/prediction_record.h"

namespace moe::cli {
namespace {

struct PredictFlags {
    WorkloadFlags workload;
    std::vector<std::string> predictors;
    int64_t steps = 0;
    uint64_t seed = 1;
    int horizon = 1;
    int forecastEvery = 1;
    int64_t warmup = 0;
    bool perLayer = false;
    std::string csv, json;
    bool phases = false;
    PhaseOptions phase;
    std::string db;
    bool noDb = false;
    std::string name;
    std::vector<std::string> tags;
};

// A predict run in the store: its loads as steps of one pseudo-rank (no layer executed, no
// time measured) and every scored forecast as a prediction record.
RunRecording startRecording(const PredictFlags& f, const Workload& w) {
    if (f.noDb) return {};
    store::RunInfo info;
    info.name = f.name.empty() ? "predict " + f.workload.spec : f.name;
    info.tags = f.tags;
    info.workload = w.describe();
    nlohmann::json cfg{{"command", "predict"},
                       {"workload", f.workload.spec},
                       {"batching", f.workload.batching},
                       {"batch", f.workload.batch},
                       {"tokens_per_step", f.workload.tokensPerStep},
                       {"predictors", f.predictors},
                       {"horizon", f.horizon},
                       {"forecast_every", f.forecastEvery},
                       {"warmup", f.warmup},
                       {"steps", f.steps}};
    info.configJson = cfg.dump();
    info.backend = "predict: routing only, no layers executed";
    info.layers = w.shape().layers;
    info.experts = w.shape().experts;
    info.ranks = 1;
    return RunRecording(databasePath(f.db), info, store::RecorderOptions{});
}

int execute(PredictFlags& f) {
    if (f.predictors.empty()) f.predictors = {"last", "ema", "sw_avg", "dist_only"};
    auto workload = openWorkload(f.workload.options(f.steps, f.seed));
    const WorkloadShape& shape = workload->shape();
    PredictionSuiteOptions o;
    o.predictors = f.predictors;
    o.evaluator = {f.horizon, f.forecastEvery, f.warmup, {}};
    if (f.phases) o.phases = f.phase;
    PredictionSuite suite(o, shape);
    RunRecording recording = startRecording(f, *workload);
    if (recording.active()) {
        auto record = [&recording](const std::string& name, const std::string& parameters,
                                   const PredictionError& e) {
            recording.record(
                store::predictionRecord(parameters.empty() ? name : name + ":" + parameters, e));
        };
        suite.setErrorSink([record, &suite](const PredictionError& e) {
            const auto& s = suite.loadEvaluator()->scores()[e.predictor];
            record(s.name, s.parameters, e);
        });
        suite.setTokenErrorSink([record, &suite](const PredictionError& e) {
            const auto& s = suite.tokenEvaluator()->scores()[e.predictor];
            record(s.name, s.parameters, e);
        });
    }

    std::cout << "workload: " << workload->describe() << "\nhorizon " << f.horizon
              << " steps, forecast every " << f.forecastEvery << ", warm-up " << f.warmup
              << " steps\n";
    if (suite.tokenEvaluator() && f.horizon != 1)
        std::cout << "note: token-to-expert predictors guess each token's experts for the step "
                     "it is in, so they are scored at horizon 1; --horizon "
                  << f.horizon << " applies to the load predictors\n";
    ProgressMeter meter(stderrIsTerminal());
    Step step;
    LoadMatrix loads(shape.layers, shape.experts);
    while ((f.steps <= 0 || suite.steps() < f.steps) && workload->next(step)) {
        loads.clear();
        loads.accumulate(step, shape.topK);
        suite.push(step, loads);
        if (recording.active()) recording.record(routingOnlyTelemetry(step, loads, shape.topK));
        meter.update(suite.steps(), f.steps, "steps");
    }
    meter.finish();
    std::cout << "steps " << suite.steps() << "\n";
    printPredictionReport(std::cout, suite, f.perLayer);
    if (!f.csv.empty()) writePredictionCsv(f.csv, suite);
    if (!f.json.empty()) writePredictionJson(f.json, suite, workload->describe());
    recording.finish(std::cout, false, suite.steps());
    return 0;
}

}  // namespace

Action addPredictCommand(CLI::App& app) {
    auto f = std::make_shared<PredictFlags>();
    CLI::App* cmd =
        app.add_subcommand("predict", "Compare load predictors (errors and cost) over a workload");
    f->workload.addTo(*cmd, "continuous");
    cmd->add_option(
        "-p,--predictor", f->predictors,
        "A predictor to run; repeat for several. NAME[:KEY=VALUE,...] with NAME one of: " +
            predictorHelp() + " (default: last, ema, sw_avg, dist_only)");
    cmd->add_option("-H,--horizon", f->horizon,
                    "Steps ahead each forecast covers; errors average over them")
        ->check(inRange(1, 100000))
        ->capture_default_str();
    cmd->add_option("--forecast-every", f->forecastEvery, "Score a forecast every N steps")
        ->check(inRange(1, 1000000))
        ->capture_default_str();
    cmd->add_option("--warmup", f->warmup, "Steps observed before the first scored forecast")
        ->check(nonNegative<int64_t>())
        ->capture_default_str();
    cmd->add_option("-n,--steps", f->steps, "Steps to read (0 = the whole workload)")
        ->check(nonNegative<int64_t>("the whole workload"))
        ->capture_default_str();
    cmd->add_option("--seed", f->seed, "Seed for synthetic workloads")->capture_default_str();
    cmd->add_flag("--per-layer", f->perLayer, "Also print each predictor's errors per layer");
    cmd->add_option("--csv", f->csv,
                    "Write the comparison as CSV (a predictor column, one column per metric)")
        ->check(outputFile());
    cmd->add_option("--json", f->json, "Write the comparison as JSON")->check(outputFile());
    addDbOption(*cmd, f->db);
    cmd->add_flag("--no-db", f->noDb, "Do not record into the experiment database");
    cmd->add_option("--name", f->name, "Name of the recorded run");
    cmd->add_option("--tag", f->tags, "Tag of the recorded run; repeat for several");
    cmd->add_flag("--phases", f->phases, "Detect transient and stable phases per layer");
    cmd->add_option("--phase-window", f->phase.window, "Phase detector window W")
        ->check(atLeast(2, "a window spans two steps or more"))
        ->capture_default_str();
    cmd->add_option("--phase-variance", f->phase.varianceThreshold,
                    "Stable when every expert's windowed variance of its share is under this")
        ->check(positive<double>())
        ->capture_default_str();
    cmd->add_option("--phase-range", f->phase.rangeThreshold,
                    "... and its windowed range (max - min) under this")
        ->check(positive<double>())
        ->capture_default_str();
    cmd->add_option("--phase-hold", f->phase.hold, "... for this many consecutive steps")
        ->check(positive<int>())
        ->capture_default_str();
    cmd->add_option("--phase-smooth", f->phase.smooth,
                    "Average each expert's share over this many steps before the window "
                    "statistics (1 = raw shares), for steps of few tokens whose shares are noisy")
        ->check(positive<int>())
        ->capture_default_str();
    return [f] { return execute(*f); };
}

}  // namespace moe::cli
