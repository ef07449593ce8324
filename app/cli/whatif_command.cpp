// `whatif`: every load predictor x placement policy x rebalance cadence on one replay of a
// workload, each planning only from the steps before the one it is scored on, beside the
// contiguous and oracle bounds: slowest rank over ideal, the share of the contiguous-to-oracle
// gap closed, experts and bytes moved, the predictor's cost and the modelled step time.
// core/whatif does the work; this file turns flags into its spec and prints the matrix.
#include <iostream>
#include <memory>
#include <sstream>

#include "app/cli/commands.h"
#include "app/cli/option_checks.h"
#include "app/cli/progress_meter.h"
#include "app/cli/store_options.h"
#include "app/cli/table_output.h"
#include "app/cli/text_table.h"
#include "app/cli/whatif_report.h"
#include "app/cli/workload_flags.h"
#include "core/balance/policy_factory.h"
#include "core/predict/predictor_factory.h"
#include "core/store/store_paths.h"
#include "core/whatif/whatif_matrix.h"
#include "core/whatif/whatif_store.h"

namespace moe::cli {
namespace {

struct WhatIfFlags {
    WorkloadFlags workload;
    WhatIfSpec spec;
    double tflops = 400;
    double callUs = 0;
    std::string migration = "off";
    std::string budget = "slots";
    std::vector<std::string> presets;
    TableOutput output;
    std::string db;
    bool noDb = false;
};

int execute(WhatIfFlags& f) {
    WhatIfSpec& spec = f.spec;
    f.workload.into(spec.base.workload);
    spec.cluster.flopRate = f.tflops * 1e12;
    spec.cluster.secondsPerCall = f.callUs * 1e-6;
    if (spec.predictors.empty()) spec.predictors = {"last", "ema", "sw_avg", "dist_only"};
    if (spec.policies.empty()) spec.policies = {"eplb"};
    if (spec.cadences.empty() && spec.thresholds.empty()) spec.cadences = {1, 50};
    spec.migrationModes = f.migration == "both" ? std::vector<bool>{false, true}
                          : f.migration == "on" ? std::vector<bool>{true}
                                                : std::vector<bool>{false};
    spec.spareModes = f.budget == "both"    ? std::vector<bool>{false, true}
                      : f.budget == "spare" ? std::vector<bool>{true}
                                            : std::vector<bool>{false};
    for (const std::string& name : f.presets) spec.presets.push_back(stackPreset(name));
    TableSink sink(f.output);
    ProgressMeter meter(stderrIsTerminal());
    std::atomic<bool> stop{false};
    const WhatIfResult r = runWhatIf(
        spec, [&](int64_t steps) { meter.update(steps, spec.base.workload.steps, "steps"); },
        &stop);
    meter.finish();
    sink.write(f.output.format == "table" ? matrixTable(r) : matrixData(r, f.output.format));
    if (!f.noDb) {
        const std::string path = databasePath(f.db);
        store::ensureParentFolder(path);
        const int64_t id = saveWhatIf(path, spec, r);
        std::cerr << "what-if run " << id << " saved to " << path << " (`runs show " << id
                  << "` prints it again)\n";
    }
    return 0;
}

void addSpecFlags(CLI::App& cmd, WhatIfFlags& f) {
    ExperimentConfig& c = f.spec.base;
    c.workload.steps = 0;
    c.rebalance.horizon = 0;
    c.rebalance.extraSlots = 8;
    c.model.hidden = 2880;  // GPT-OSS-20B's widths: bytes per expert and FLOPs per row
    c.model.ffn = 2880;
    cmd.add_option("-n,--steps", c.workload.steps, "Steps to replay (0 = the whole workload)")
        ->check(nonNegative<int64_t>("the whole workload"))
        ->capture_default_str();
    cmd.add_option("--seed", c.seed, "Seed for synthetic workloads")->capture_default_str();
    cmd.add_option("-p,--predictor", f.spec.predictors,
                   "A predictor that drives placement; repeat (default: last, ema, sw_avg, "
                   "dist_only). Load predictors plan after a step for the next ones; token-level "
                   "ones (t2e_freq, t2e_position, t2e_token, affinity, pregate, seq_history) plan "
                   "during the step, each layer from what exists before it routes (token ids, "
                   "earlier layers' routing and router inputs). NAME[:KEY=VALUE,...] with NAME "
                   "one of: " +
                       predictorHelp());
    cmd.add_option("--policy", f.spec.policies,
                   "A placement policy; repeat (default: eplb). One of: " + policyHelp());
    cmd.add_option("--every", f.spec.cadences,
                   "Rebalance every N steps; repeat (default: 1, 50 unless --threshold is given)")
        ->check(positive<int64_t>());
    cmd.add_option("--threshold", f.spec.thresholds,
                   "Also: check every step, rebalance when the forecast's balancedness on the "
                   "current placement (mean/max rows per rank) is below B; repeat")
        ->check(CLI::Range(0.0, 1.0).description("a balancedness between 0 and 1"));
    cmd.add_option("-G,--ranks", c.model.ranks, "Ranks the experts are placed on")
        ->check(inRange(1, 1024))
        ->capture_default_str();
    cmd.add_option("--slots", c.rebalance.slotCount,
                   "Expert slots per layer over all ranks (0 = experts + --extra-slots)")
        ->check(nonNegative<int>("experts + --extra-slots"));
    cmd.add_option("--extra-slots", c.rebalance.extraSlots, "Slots beyond one per expert")
        ->check(nonNegative<int>())
        ->capture_default_str();
    cmd.add_option("--horizon", c.rebalance.horizon,
                   "Forecast steps each plan covers (0 = the cadence: until the next plan)")
        ->check(nonNegative<int>("the cadence"))
        ->capture_default_str();
    cmd.add_option("--max-moves", c.rebalance.maxMoves, "Experts moved per layer per plan")
        ->check(atLeast(-1, "-1 = no limit"));
    cmd.add_option("--migration-aware", f.migration,
                   "Relabel each plan's ranks to keep replicas in place: off, on, or both (every "
                   "policy's rows with and without, to compare what it saves)")
        ->check(CLI::IsMember({"off", "on", "both"}))
        ->capture_default_str();
    cmd.add_option("--budget", f.budget,
                   "Which slots take replicas: slots (any: the policy places every expert), "
                   "spare (each expert keeps its contiguous home slot, replicas only in the spare "
                   "slots, as MoE-GPS duplicates) or both")
        ->check(CLI::IsMember({"slots", "spare", "both"}))
        ->capture_default_str();
    cmd.add_option("--preset", f.presets,
                   "Add a serving stack's default EPLB schedule as a row, read from its source: "
                   "vllm (1,000-step window, rearranged every 3,000 steps) or sglang (1,000-step "
                   "window, every 1,000 steps); repeat for both")
        ->check(CLI::IsMember({"vllm", "sglang"}));
}

void addClusterFlags(CLI::App& cmd, WhatIfFlags& f) {
    ExperimentConfig& c = f.spec.base;
    cmd.add_flag("--own-input-ceiling", f.spec.ownInputCeiling,
                 "Also accept predictors that read each layer's own router input (t2e_ffn), "
                 "scored as '(own input: ceiling)': how much any lookahead could close, since "
                 "that input exists only as the layer routes");
    cmd.add_option("--hidden", c.model.hidden, "Model width H (default: GPT-OSS-20B's)")
        ->check(inRange(1, 65536))
        ->capture_default_str();
    cmd.add_option("--ffn", c.model.ffn, "Expert inner width F (default: GPT-OSS-20B's)")
        ->check(inRange(1, 262144))
        ->capture_default_str();
    cmd.add_option("--tflops", f.tflops, "Modelled FLOP rate per rank, TFLOP/s")
        ->check(positive<double>())
        ->capture_default_str();
    cmd.add_option("--call-us", f.callUs,
                   "Modelled fixed cost of each expert call, us: a rank calls each expert or "
                   "replica it holds that gets rows, so a replica costs a call beyond its rows "
                   "(0 = a layer's time is its busiest rank's rows; `run` prints the CPU engine's "
                   "fitted value)")
        ->check(nonNegative<double>())
        ->capture_default_str();
    cmd.add_option("--link-gbs", f.spec.cluster.linkGBs, "Bandwidth weights are copied at, GB/s")
        ->check(positive<double>())
        ->capture_default_str();
    cmd.add_option("--threads", f.spec.threads, "Combinations evaluated in parallel (0 = cores)")
        ->check(inRange(0, 1024));
    addDbOption(cmd, f.db);
    cmd.add_flag("--no-db", f.noDb, "Do not record the matrix in the experiment database");
    cmd.add_option("--name", f.spec.base.recording.name,
                   "Name of the recorded run (default: whatif and the workload spec)");
    cmd.add_option("--tag", f.spec.base.recording.tags, "Tag of the recorded run; repeat");
    cmd.add_option("--warmup", f.spec.warmup,
                   "Steps run before scoring starts: predictors learn and placements change, "
                   "nothing is counted (the bounds skip them too)")
        ->check(nonNegative<int64_t>())
        ->capture_default_str();
}

}  // namespace

Action addWhatIfCommand(CLI::App& app) {
    auto f = std::make_shared<WhatIfFlags>();
    CLI::App* cmd = app.add_subcommand(
        "whatif",
        "Which predictor, policy and cadence would balance this workload best: every "
        "combination replayed, planned only from the past, against contiguous and oracle");
    f->workload.addTo(*cmd, "continuous");
    addSpecFlags(*cmd, *f);
    addClusterFlags(*cmd, *f);
    addTableOutputFlags(*cmd, f->output);
    return [f] { return execute(*f); };
}

}  // namespace moe::cli
