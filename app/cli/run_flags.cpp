// See run_flags.h. Help texts say what each value means and its limits; defaults are the
// config's own, shown by --help.
#include "app/cli/run_flags.h"

#include "app/cli/option_checks.h"
#include "app/cli/store_options.h"
#include "core/balance/policy_factory.h"
#include "core/common/resource_limits.h"
#include "core/predict/predictor_factory.h"

namespace moe::cli {

void addRunModelFlags(CLI::App& cmd, ExperimentModel& m, bool& noRenormalize) {
    cmd.add_option("-G,--ranks", m.ranks,
                   "Ranks (expert-parallel): threads of this process, or under MPI the process "
                   "count")
        ->check(inRange(1, limits::kRanks))
        ->capture_default_str();
    cmd.add_flag("--replay-only", m.replayOnly,
                 "Run no expert FFNs: loads, predictions and plans from the routing alone (rank "
                 "rows follow the placement; no time is measured)");
    cmd.add_option("--backend", m.backend,
                   "Op backend: cpu, or cuda (falls back to the CPU with a note when there is no "
                   "device, no driver, or the device fails)")
        ->check(CLI::IsMember({"cpu", "cuda"}))
        ->capture_default_str();
    cmd.add_option("--device", m.device,
                   "CUDA device of every rank (default: ranks spread over the devices)")
        ->check(nonNegative<int>());
    cmd.add_option("--hidden", m.hidden, "Model width H")
        ->check(inRange(1, limits::kHidden))
        ->capture_default_str();
    cmd.add_option("--ffn", m.ffn, "Expert inner width F")
        ->check(inRange(1, limits::kFfn))
        ->capture_default_str();
    cmd.add_option("--threads", m.threads, "Compute threads in all (0 = all cores)")
        ->check(inRange(0, 1024))
        ->capture_default_str();
    cmd.add_option("--score", m.score, "Router score function")
        ->check(CLI::IsMember({"softmax", "sigmoid"}))
        ->capture_default_str();
    cmd.add_flag("--no-renormalize", noRenormalize, "Do not renormalise the top-k router weights");
    cmd.add_option(
           "--capacity-factor", m.capacityFactor,
           "Expert capacity = ceil(cf * T * k / E); pairs beyond it are dropped (0 = unlimited)")
        ->check(nonNegative<double>("unlimited"))
        ->capture_default_str();
    cmd.add_flag("--own-gate", m.ownGate,
                 "Route with the layer's own (random) gate instead of the workload's routing");
    cmd.add_flag("--share-weights", m.shareWeights,
                 "One set of expert weights for all layers (saves memory)");
    cmd.add_option("--replica", m.replicas,
                   "Extra replica LAYER:EXPERT:RANK (LAYER may be *); repeat. A replicated "
                   "expert's tokens are split evenly");
}

void addRunPredictionFlags(CLI::App& cmd, ExperimentPrediction& p, bool& perLayer) {
    cmd.add_option("-p,--compare", p.predictors,
                   "A predictor to compare while the run goes (load or token-to-expert); "
                   "repeat for several. NAME[:KEY=VALUE,...] with NAME one of: " +
                       predictorHelp());
    cmd.add_option("--horizons", p.horizons,
                   "Forecast horizons in steps the compared predictors are scored at")
        ->delimiter(',')
        ->check(inRange(1, 100000))
        ->capture_default_str();
    cmd.add_flag("--phases", p.phases, "Detect transient and stable phases per layer");
    cmd.add_flag("--per-layer", perLayer, "Also print each compared predictor's errors per layer");
}

CLI::Option* addRunRebalanceFlags(CLI::App& cmd, ExperimentRebalance& r) {
    auto* policy = cmd.add_option(
        "--policy", r.policy, "Rebalance with this duplication/placement policy: " + policyHelp());
    cmd.add_option("--predictor", r.predictor,
                   "Load predictor whose forecast the policy plans for: a compared one's name "
                   "or spec, or any spec (default: the first compared load predictor, else "
                   "sw_avg)")
        ->needs(policy);
    cmd.add_option("--slots", r.slotCount,
                   "Expert slots per layer over all ranks (0 = one per expert)")
        ->check(inRange(0, limits::kSlots))
        ->needs(policy);
    cmd.add_option("--rebalance-every", r.every, "Check for a rebalance every N steps")
        ->check(positive<int64_t>())
        ->capture_default_str()
        ->needs(policy);
    cmd.add_option(
           "--rebalance-threshold", r.threshold,
           "Rebalance only when predicted balancedness (mean/max) is under this (0 = always)")
        ->check(inRange(0.0, 1.0))
        ->needs(policy);
    cmd.add_option("--horizon", r.horizon, "Steps of forecast the policy plans for")
        ->check(positive<int>())
        ->capture_default_str()
        ->needs(policy);
    cmd.add_option("--max-moves", r.maxMoves,
                   "Move at most this many experts per layer per rebalance")
        ->check(atLeast(-1, "-1 = no limit"))
        ->needs(policy);
    cmd.add_flag("--spare-slots-only", r.spareSlotsOnly,
                 "Keep every expert in its contiguous home slot; replicas only in spare slots "
                 "(MoE-GPS's budget)")
        ->needs(policy);
    cmd.add_flag("--migration-aware", r.migrationAware,
                 "Relabel each plan's ranks so the most replicas stay where they are (equal "
                 "balance, fewer bytes copied)")
        ->needs(policy);
    return policy;
}

void addRunRecordingFlags(CLI::App& cmd, ExperimentRecording& r, std::string& db, bool& noDb) {
    cmd.add_option("--loads-csv", r.loadsCsv,
                   "Write per-step loads as CSV rows step,layer,expert,tokens")
        ->check(outputFile());
    addDbOption(cmd, db);
    cmd.add_flag("--no-db", noDb, "Do not record the run in the experiment database");
    cmd.add_option("--name", r.name, "Name of the recorded run (default: the workload spec)");
    cmd.add_option("--tag", r.tags, "Tag of the recorded run; repeat for several");
    cmd.add_option("--note", r.notes, "Notes of the recorded run");
    cmd.add_option("--commit-interval", r.commitInterval,
                   "Seconds between the recorder's commits (a crash loses at most this much)")
        ->check(inRange(0.001, 3600.0))
        ->capture_default_str();
}

}  // namespace moe::cli
