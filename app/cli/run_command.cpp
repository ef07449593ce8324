// `run`: replay a workload through the MoE layers on in-process ranks, show progress, print
// the run's summary (per-layer skewness, per-rank load and busy time, tokens/s).
// Ctrl-C stops between steps and still prints the summary of what ran.
#include <csignal>
#include <iostream>
#include <memory>

#include "app/cli/commands.h"
#include "app/cli/progress_meter.h"
#include "app/cli/run_report.h"
#include "app/cli/text_table.h"
#include "app/cli/workload_flags.h"
#include "core/common/error.h"
#include "core/engine/run_loop.h"
#include "core/engine/run_summary.h"
#include "core/stats/loads_csv_writer.h"

namespace moe::cli {
namespace {

std::atomic<bool> gStop{false};
extern "C" void onInterrupt(int) { gStop = true; }

struct RunFlags {
    WorkloadFlags workload;
    int64_t steps = 200;
    int ranks = 4;
    int hidden = 128, ffn = 352;
    uint64_t seed = 1;
    int threads = 0;
    std::string score = "softmax";
    bool noRenormalize = false;
    double capacityFactor = 0;
    bool ownGate = false;
    bool shareWeights = false;
    std::vector<std::string> replicas;
    std::string loadsCsv;
    bool quiet = false;
};

int execute(const RunFlags& f) {
    EngineConfig config;
    config.layer.hidden = f.hidden;
    config.layer.ffn = f.ffn;
    config.layer.score = parseScoreFunction(f.score);
    config.layer.renormalize = !f.noRenormalize;
    config.layer.capacityFactor = f.capacityFactor;
    config.ranks = f.ranks;
    config.threads = f.threads;
    config.seed = f.seed;
    config.forcedRouting = !f.ownGate;
    config.shareWeights = f.shareWeights;
    config.replicas = f.replicas;

    auto workload = openWorkload(f.workload.options(f.steps, f.seed));
    const WorkloadShape& shape = workload->shape();
    config.layer.experts = shape.experts;  // for the memory estimate below
    const double gib = static_cast<double>(config.weightBytes(shape.layers)) / (1ull << 30);
    if (gib > 16)
        throw Error("the expert weights would take " + fixed(gib, 1) + " GiB (" +
                    std::to_string(shape.layers) + " layers); lower --hidden/--ffn or add --share-weights");
    MoeEngine engine(config, shape);
    std::unique_ptr<LoadsCsvWriter> csv;
    if (!f.loadsCsv.empty()) csv = std::make_unique<LoadsCsvWriter>(f.loadsCsv);

    if (!f.quiet) {
        std::cout << "workload: " << workload->describe() << "\n"
                  << "engine:   " << engine.describe() << "\n";
    }
    ProgressMeter meter(!f.quiet && stderrIsTerminal());
    RunSummary summary;
    gStop = false;
    auto previous = std::signal(SIGINT, onInterrupt);
    try {
        runLoop(*workload, engine, f.steps, [&](const StepTelemetry& t) {
            summary.add(t);
            if (csv) csv->write(t.step, t.loads);
            meter.update(summary.steps(), f.steps, "steps",
                         fixed(summary.tokensPerSecond(), 0) + " tok/s");
        }, &gStop);
    } catch (...) {
        std::signal(SIGINT, previous);
        meter.finish();
        throw;
    }
    std::signal(SIGINT, previous);
    meter.finish();
    if (csv) csv->close();
    if (gStop) std::cout << "interrupted after " << summary.steps() << " steps\n";
    printRunReport(std::cout, summary, engine);
    if (csv) std::cout << "\nloads written to " << f.loadsCsv << "\n";
    return gStop ? 130 : 0;
}

}  // namespace

Action addRunCommand(CLI::App& app) {
    auto f = std::make_shared<RunFlags>();
    CLI::App* cmd = app.add_subcommand("run", "Run MoE layers on in-process ranks, driven by a workload's routing");
    f->workload.addTo(*cmd, "continuous");
    cmd->add_option("-n,--steps", f->steps, "Steps to run (0 = the whole workload)")
        ->check(CLI::NonNegativeNumber)->capture_default_str();
    cmd->add_option("-G,--ranks", f->ranks, "In-process ranks (expert-parallel)")
        ->check(CLI::Range(1, 1024))->capture_default_str();
    cmd->add_option("--hidden", f->hidden, "Model width H")->check(CLI::Range(1, 65536))->capture_default_str();
    cmd->add_option("--ffn", f->ffn, "Expert inner width F")->check(CLI::Range(1, 262144))->capture_default_str();
    cmd->add_option("--seed", f->seed, "Seed of weights, activations and synthetic routing")->capture_default_str();
    cmd->add_option("--threads", f->threads, "Compute threads in all (0 = all cores)")
        ->check(CLI::Range(0, 1024))->capture_default_str();
    cmd->add_option("--score", f->score, "Router score function")
        ->check(CLI::IsMember({"softmax", "sigmoid"}))->capture_default_str();
    cmd->add_flag("--no-renormalize", f->noRenormalize, "Do not renormalise the top-k router weights");
    cmd->add_option("--capacity-factor", f->capacityFactor,
                    "Expert capacity = ceil(cf * T * k / E); pairs beyond it are dropped (0 = unlimited)")
        ->check(CLI::NonNegativeNumber)->capture_default_str();
    cmd->add_flag("--own-gate", f->ownGate, "Route with the layer's own (random) gate instead of the workload's routing");
    cmd->add_flag("--share-weights", f->shareWeights, "One set of expert weights for all layers (saves memory)");
    cmd->add_option("--replica", f->replicas,
                    "Extra replica LAYER:EXPERT:RANK (LAYER may be *); repeat. A replicated expert's tokens are split evenly");
    cmd->add_option("--loads-csv", f->loadsCsv, "Write per-step loads as CSV rows step,layer,expert,tokens");
    cmd->add_flag("-q,--quiet", f->quiet, "No header lines or progress");
    return [f] { return execute(*f); };
}

}  // namespace moe::cli
