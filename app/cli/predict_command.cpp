// `predict`: run any set of load predictors (and token-to-expert predictors) side by side over
// a workload's routing and compare their errors and costs; optionally split each layer into
// transient and stable phases. A replay-only experiment (core/experiment): no layer is
// executed, since predictions need routing only. This file turns flags into its config and
// prints the comparison.
#include <iostream>
#include <memory>

#include "app/cli/commands.h"
#include "app/cli/experiment_cli.h"
#include "app/cli/option_checks.h"
#include "app/cli/predict_report.h"
#include "app/cli/progress_meter.h"
#include "app/cli/store_options.h"
#include "app/cli/table_output.h"
#include "app/cli/text_table.h"
#include "app/cli/workload_flags.h"
#include "core/common/output_file.h"
#include "core/predict/predictor_factory.h"

namespace moe::cli {
namespace {

struct PredictFlags {
    WorkloadFlags workload;
    ExperimentConfig config;
    int horizon = 1;
    bool perLayer = false;
    TableOutput output;
    std::string csv, json;  // older spellings of --format csv|json --out FILE, kept working
    std::string db;
    bool noDb = false;
};

ExperimentConfig configOf(const PredictFlags& f) {
    ExperimentConfig c = f.config;
    c.frontEnd = "predict";
    f.workload.into(c.workload);
    c.model.replayOnly = true;
    c.model.ranks = 1;  // one notional rank that computes every pair, as predict always had
    if (c.prediction.predictors.empty())
        c.prediction.predictors = {"last", "ema", "sw_avg", "dist_only"};
    c.prediction.horizons = {f.horizon};
    c.recording.record = !f.noDb;
    c.recording.database = databasePath(f.db);
    return c;
}

// The comparison in the format asked for, and the older --csv/--json files.
void writeResults(const PredictFlags& f, const Experiment& e, TableSink& sink, std::ostream& info) {
    const PredictionSuite& suite = *e.suite();
    if (f.output.format == "csv") {
        sink.write(predictionCsv(suite));
    } else if (f.output.format == "json") {
        sink.write(predictionJson(suite, e.workloadDescription()));
    } else {
        std::ostringstream table;
        printPredictionReport(table, suite, f.perLayer);
        sink.write(table.str());
    }
    if (!f.csv.empty()) writeOutputFile(f.csv, predictionCsv(suite));
    if (!f.json.empty()) writeOutputFile(f.json, predictionJson(suite, e.workloadDescription()));
    printRecordingSaved(info, e);
}

int execute(const PredictFlags& f) {
    Experiment e(configOf(f), cliEnvironment(RankContext{}));
    TableSink sink(f.output);  // a bad --out fails before the pass over the workload
    e.open();
    // With CSV or JSON on stdout, the commentary goes to stderr so the data stays clean.
    const bool dataOnStdout = f.output.format != "table" && f.output.out.empty();
    std::ostream& info = dataOnStdout ? std::cerr : std::cout;
    const ExperimentPrediction& p = e.config().prediction;
    info << "workload: " << e.workloadDescription() << "\nhorizon " << f.horizon
         << " steps, forecast every " << p.forecastEvery << ", warm-up " << p.warmup << " steps\n";
    if (e.suite()->tokenEvaluator() && f.horizon != 1)
        info << "note: token-to-expert predictors guess each token's experts for the step it is "
                "in, so they are scored at horizon 1; --horizon "
             << f.horizon << " applies to the load predictors\n";
    ProgressMeter meter(stderrIsTerminal());
    const int64_t steps = e.config().workload.steps;
    try {
        InterruptGuard guard(e);
        e.run([&](const ExperimentFrame&) { meter.update(e.summary().steps(), steps, "steps"); });
    } catch (const std::exception&) {
        meter.finish();
        printRecordingFailed(e);
        throw;
    }
    meter.finish();
    info << "steps " << e.suite()->steps() << "\n";
    writeResults(f, e, sink, info);
    return e.interrupted() ? 130 : 0;
}

void addPhaseFlags(CLI::App& cmd, ExperimentPrediction& p) {
    p.phase.smooth = 1;  // raw shares unless asked, as predict always had
    cmd.add_flag("--phases", p.phases, "Detect transient and stable phases per layer");
    cmd.add_option("--phase-window", p.phase.window, "Phase detector window W")
        ->check(atLeast(2, "a window spans two steps or more"))
        ->capture_default_str();
    cmd.add_option("--phase-variance", p.phase.varianceThreshold,
                   "Stable when every expert's windowed variance of its share is under this")
        ->check(positive<double>())
        ->capture_default_str();
    cmd.add_option("--phase-range", p.phase.rangeThreshold,
                   "... and its windowed range (max - min) under this")
        ->check(positive<double>())
        ->capture_default_str();
    cmd.add_option("--phase-hold", p.phase.hold, "... for this many consecutive steps")
        ->check(positive<int>())
        ->capture_default_str();
    cmd.add_option("--phase-smooth", p.phase.smooth,
                   "Average each expert's share over this many steps before the window "
                   "statistics (1 = raw shares), for steps of few tokens whose shares are noisy")
        ->check(positive<int>())
        ->capture_default_str();
}

void addRecordingFlags(CLI::App& cmd, PredictFlags& f) {
    addDbOption(cmd, f.db);
    cmd.add_flag("--no-db", f.noDb, "Do not record into the experiment database");
    cmd.add_option("--name", f.config.recording.name, "Name of the recorded run");
    cmd.add_option("--tag", f.config.recording.tags, "Tag of the recorded run; repeat for several");
}

}  // namespace

Action addPredictCommand(CLI::App& app) {
    auto f = std::make_shared<PredictFlags>();
    f->config.workload.steps = 0;
    CLI::App* cmd =
        app.add_subcommand("predict", "Compare load predictors (errors and cost) over a workload");
    f->workload.addTo(*cmd, "continuous");
    ExperimentPrediction& p = f->config.prediction;
    cmd->add_option(
        "-p,--predictor", p.predictors,
        "A predictor to run; repeat for several. NAME[:KEY=VALUE,...] with NAME one of: " +
            predictorHelp() + " (default: last, ema, sw_avg, dist_only)");
    cmd->add_option("-H,--horizon", f->horizon,
                    "Steps ahead each forecast covers; errors average over them")
        ->check(inRange(1, 100000))
        ->capture_default_str();
    cmd->add_option("--forecast-every", p.forecastEvery, "Score a forecast every N steps")
        ->check(inRange(1, 1000000))
        ->capture_default_str();
    cmd->add_option("--warmup", p.warmup, "Steps observed before the first scored forecast")
        ->check(nonNegative<int64_t>())
        ->capture_default_str();
    cmd->add_option("-n,--steps", f->config.workload.steps,
                    "Steps to read (0 = the whole workload)")
        ->check(nonNegative<int64_t>("the whole workload"))
        ->capture_default_str();
    cmd->add_option("--seed", f->config.seed, "Seed for synthetic workloads")
        ->capture_default_str();
    cmd->add_flag("--per-layer", f->perLayer, "Also print each predictor's errors per layer");
    addTableOutputFlags(*cmd, f->output);
    cmd->add_option("--csv", f->csv, "Also write the comparison as CSV to this file")
        ->check(outputFile());
    cmd->add_option("--json", f->json, "Also write the comparison as JSON to this file")
        ->check(outputFile());
    addRecordingFlags(*cmd, *f);
    addPhaseFlags(*cmd, p);
    return [f] { return execute(*f); };
}

}  // namespace moe::cli
