// `run`: an experiment from the command line. The flags fill an ExperimentConfig (or --from
// reads a stored run's); core's Experiment runs it: real layers on in-process ranks (or one rank
// per process under mpirun), compared predictors, rebalancing, recording. This file only turns
// flags into the config, shows progress and prints the summary. Ctrl-C (or SIGTERM) stops
// between steps, still prints the summary of what ran and marks the stored run interrupted.
#include <cmath>
#include <iostream>
#include <memory>
#include <set>

#include "app/cli/commands.h"
#include "app/cli/experiment_cli.h"
#include "app/cli/option_checks.h"
#include "app/cli/predict_report.h"
#include "app/cli/progress_meter.h"
#include "app/cli/run_flags.h"
#include "app/cli/run_report.h"
#include "app/cli/store_options.h"
#include "app/cli/text_table.h"
#include "app/cli/workload_flags.h"
#include "core/balance/perf_sweep.h"
#include "core/balance/policy_factory.h"
#include "core/comm/communicator.h"
#include "core/common/error.h"
#include "core/engine/rebalance_controller.h"
#include "core/engine/run_summary.h"

namespace moe::cli {
namespace {

struct RunFlags {
    WorkloadFlags workload;
    ExperimentConfig config;  // most flags write straight into it
    bool noRenormalize = false;
    bool mpi = false;
    bool quiet = false;
    bool perLayer = false;
    bool noDb = false;
    std::string db, from;
};

void printRebalanceReport(std::ostream& out, const RebalanceController& rc) {
    out << "\nRebalancing (" << rc.describe() << "): " << rc.events().size() << " rebalances";
    if (!rc.events().empty()) {
        double before = 0, after = 0;
        for (const auto& ev : rc.events()) {
            before += ev.balancednessBefore;
            after += ev.balancednessAfter;
        }
        const double n = static_cast<double>(rc.events().size());
        out << ", predicted balancedness " << fixed(before / n, 3) << " -> " << fixed(after / n, 3)
            << " on average";
    }
    out << "\n\nSlowest rank per layer, summed over the run: measured busy time vs the model's "
           "figure\n"
           "(the slowest rank's rows x 6*H*F FLOPs at "
        << fixed(rc.flopRate() / 1e9, 1) << " GFLOP/s, this machine's single-thread expert rate)\n";
    TextTable t({"layer", "measured", "model", "model/measured"});
    const auto& m = rc.measuredSlowest();
    const auto& mod = rc.modelledSlowest();
    for (size_t l = 0; l < m.size(); ++l)
        t.addRow({std::to_string(l), seconds(m[l]), seconds(mod[l]),
                  m[l] > 0 ? fixed(mod[l] / m[l], 3) : "-"});
    t.print(out);
    const Calibration c = calibrate(m, mod);
    out << "model calibration error: " << fixed(100 * c.meanRelativeError, 1)
        << "% mean |model - measured| / measured"
        << " (" << fixed(100 * c.errorAfterScale, 1) << "% after the best single scale factor "
        << fixed(c.scale, 3) << ")\n";
    const BusyTimeFit::Result fitted = rc.fittedModel();
    if (!fitted.ok) return;
    const Calibration after = calibrate(m, rc.fittedSlowest());
    out << "fitted to this run's " << grouped(static_cast<long long>(fitted.samples))
        << " (step, layer, rank) busy times: " << fixed(fitted.flopRate / 1e9, 1) << " GFLOP/s and "
        << fixed(fitted.secondsPerCall * 1e6, 1) << " us per expert call; calibration error "
        << fixed(100 * c.meanRelativeError, 1) << "% -> " << fixed(100 * after.meanRelativeError, 1)
        << "%\n";
}

// The run's balancedness beside its policy's two bounds on the same steps (frame means).
struct BoundsTally {
    double run = 0, contiguous = 0, oracle = 0;
    int64_t steps = 0, oracleSteps = 0;
    void add(const ExperimentFrame& f) {
        if (!std::isfinite(f.contiguousBalancedness)) return;
        run += f.balancedness;
        contiguous += f.contiguousBalancedness;
        ++steps;
        if (std::isfinite(f.oracleBalancedness)) {
            oracle += f.oracleBalancedness;
            ++oracleSteps;
        }
    }
    void print(std::ostream& out) const {
        if (steps == 0) return;
        const double n = static_cast<double>(steps);
        out << "\nBalancedness over the run (mean/max rows per rank, mean over layers and steps): "
            << "this run " << fixed(run / n, 3) << ", contiguous " << fixed(contiguous / n, 3);
        if (oracleSteps == steps) {
            const double gap = oracle / n - contiguous / n;
            out << ", oracle " << fixed(oracle / n, 3);
            if (gap > 1e-9)
                out << ": " << fixed(100 * (run - contiguous) / n / gap, 1) << "% of the gap";
        } else {
            out << " (no oracle bound: the policy's ILPs are too slow to solve every step)";
        }
        out << "\n";
    }
};

void printReports(const RunFlags& f, const Experiment& e) {
    const int threads = e.engine() ? e.engine()->threadsPerRank() : 0;
    printRunReport(std::cout, e.summary(), e.placement(), threads);
    if (e.suite()) {
        std::cout << "\nPredictors compared\n";
        printPredictionReport(std::cout, *e.suite(), f.perLayer);
    }
    if (e.rebalancer()) printRebalanceReport(std::cout, *e.rebalancer());
    if (!e.config().recording.loadsCsv.empty())
        std::cout << "\nloads written to " << e.config().recording.loadsCsv << "\n";
}

// Rank 0's (or the only process's) run: progress while it goes, the reports after.
int runRoot(const RunFlags& f, Experiment& e) {
    if (!f.quiet)
        std::cout << "workload: " << e.workloadDescription() << "\n"
                  << "engine:   " << e.engineDescription() << "\n";
    printRecordingStart(std::cout, e);
    std::cout << std::flush;
    ProgressMeter meter(!f.quiet && stderrIsTerminal());
    const int64_t steps = e.config().workload.steps;
    BoundsTally bounds;
    try {
        InterruptGuard guard(e);
        e.run([&](const ExperimentFrame& frame) {
            bounds.add(frame);
            meter.update(e.summary().steps(), steps, "steps",
                         fixed(e.summary().tokensPerSecond(), 0) + " tok/s");
        });
    } catch (const std::exception&) {
        meter.finish();
        printRecordingFailed(e);
        throw;
    }
    meter.finish();
    if (e.interrupted()) std::cout << "interrupted after " << e.summary().steps() << " steps\n";
    printReports(f, e);
    bounds.print(std::cout);
    printRecordingSaved(std::cout, e);
    return e.interrupted() ? 130 : 0;
}

// A config read with --from that cannot run says where it came from; a collective error (MPI)
// keeps its type, so every rank ends alike.
std::unique_ptr<Experiment> openExperiment(const ExperimentConfig& config, const RankContext& ctx,
                                           const std::string& from) {
    try {
        auto e = std::make_unique<Experiment>(config, cliEnvironment(ctx));
        e->open();
        return e;
    } catch (const CollectiveError&) {
        throw;
    } catch (const Error& e) {
        if (from.empty()) throw;
        throw Error("the config of --from " + from + ": " + e.what());
    }
}

int execute(const RunFlags& f, ExperimentConfig config, const RankContext& ctx, bool ranksGiven) {
    if (ctx.comm) {
        if (ranksGiven && config.model.ranks != ctx.comm->size())
            throw CollectiveError("--ranks " + std::to_string(config.model.ranks) +
                                  " but MPI started " + std::to_string(ctx.comm->size()) +
                                  " processes: with MPI the rank count is the process count "
                                  "(drop --ranks, or start mpirun -np " +
                                  std::to_string(config.model.ranks) + ")");
        config.model.ranks = ctx.comm->size();
    }
    auto opened = openExperiment(config, ctx, f.from);
    Experiment& experiment = *opened;
    if (experiment.root()) return runRoot(f, experiment);
    InterruptGuard guard(experiment);  // Ctrl-C reaches the others through rank 0
    experiment.run();
    return 0;
}

// With --from, only flags that say where the outputs go or how fast to run may be given:
// anything else would silently not be what the stored run did.
void checkFromFlags(const CLI::App& cmd) {
    static const std::set<std::string> allowed = {"--from",      "--steps",
                                                  "--threads",   "--backend",
                                                  "--device",    "--db",
                                                  "--no-db",     "--name",
                                                  "--tag",       "--note",
                                                  "--quiet",     "--mpi",
                                                  "--loads-csv", "--commit-interval",
                                                  "--per-layer", "--help"};
    for (const CLI::Option* o : cmd.get_options()) {
        if (o->count() == 0) continue;
        const std::string name = o->get_name();
        std::string longName = name;
        for (const std::string& n : o->get_lnames())
            if (!n.empty()) longName = "--" + n;
        if (!allowed.count(longName))
            throw Error(longName +
                        " cannot be combined with --from, which re-runs the stored config as "
                        "it was; to change it, save `runs show RUN --format json` to a file, "
                        "edit it and pass that file to --from");
    }
}

// The config of this invocation: the flags', or --from's with the allowed flags over it.
ExperimentConfig configOf(RunFlags& f, const CLI::App& cmd) {
    ExperimentConfig c = f.config;
    f.workload.into(c.workload);
    c.model.renormalize = !f.noRenormalize;
    if (!f.from.empty()) {
        checkFromFlags(cmd);
        ExperimentConfig stored = configFrom(f.from, f.db);
        stored.frontEnd = "run";
        if (cmd.get_option("--steps")->count()) stored.workload.steps = c.workload.steps;
        if (cmd.get_option("--threads")->count()) stored.model.threads = c.model.threads;
        if (cmd.get_option("--backend")->count()) stored.model.backend = c.model.backend;
        if (cmd.get_option("--device")->count()) stored.model.device = c.model.device;
        if (cmd.get_option("--name")->count()) stored.recording.name = c.recording.name;
        if (cmd.get_option("--tag")->count()) stored.recording.tags = c.recording.tags;
        if (cmd.get_option("--note")->count()) stored.recording.notes = c.recording.notes;
        stored.recording.loadsCsv = c.recording.loadsCsv;
        stored.recording.commitInterval = c.recording.commitInterval;
        c = stored;
    }
    c.recording.record = !f.noDb;
    c.recording.database = databasePath(f.db);
    return c;
}

}  // namespace

Action addRunCommand(CLI::App& app) {
    auto f = std::make_shared<RunFlags>();
    CLI::App* cmd = app.add_subcommand(
        "run",
        "Run MoE layers on in-process ranks (or one rank per process under mpirun), driven by a "
        "workload's routing; compare predictors and rebalance while it runs");
    f->workload.addTo(*cmd, "continuous");
    cmd->add_option("-n,--steps", f->config.workload.steps, "Steps to run (0 = the whole workload)")
        ->check(nonNegative<int64_t>("the whole workload"))
        ->capture_default_str();
    cmd->add_option("--seed", f->config.seed, "Seed of weights, activations and synthetic routing")
        ->capture_default_str();
    cmd->add_option("--from", f->from,
                    "Run a stored run's configuration again (a run id or name in --db), or a "
                    "config JSON file as `runs show RUN --format json` prints it");
    cmd->add_flag("--mpi", f->mpi, kMpiFlagHelp);
    addRunModelFlags(*cmd, f->config.model, f->noRenormalize);
    addRunPredictionFlags(*cmd, f->config.prediction, f->perLayer);
    addRunRebalanceFlags(*cmd, f->config.rebalance);
    addRunRecordingFlags(*cmd, f->config.recording, f->db, f->noDb);
    cmd->add_flag("-q,--quiet", f->quiet, "No header lines or progress");
    return [f, cmd] {
        const ExperimentConfig config = configOf(*f, *cmd);
        const bool ranksGiven = cmd->get_option("--ranks")->count() > 0;
        return runAsRanks(f->mpi, [f, config, ranksGiven](const RankContext& ctx) {
            return execute(*f, config, ctx, ranksGiven);
        });
    };
}

}  // namespace moe::cli
