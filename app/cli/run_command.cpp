// `run`: replay a workload through the MoE layers on in-process ranks (or one rank per process
// under mpirun), show progress, print the run's summary (per-layer skewness, per-rank load and
// busy time, tokens/s), and record everything into the experiment store unless --no-db. Under
// MPI only rank 0 reads the workload, prints, rebalances and records; the others compute.
// Ctrl-C (or SIGTERM) stops between steps, still prints the summary of what ran and marks the
// stored run interrupted; a moe::Error marks it failed with the message.
#include <chrono>
#include <csignal>
#include <iostream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "app/cli/commands.h"
#include "app/cli/mpi_ranks.h"
#include "app/cli/option_checks.h"
#include "app/cli/progress_meter.h"
#include "app/cli/run_recording.h"
#include "app/cli/run_report.h"
#include "app/cli/store_options.h"
#include "app/cli/text_table.h"
#include "app/cli/workload_flags.h"
#include "app/shared/backend_choice.h"
#include "core/balance/perf_sweep.h"
#include "core/balance/policy_factory.h"
#include "core/comm/settle.h"
#include "core/common/error.h"
#include "core/engine/rebalance_controller.h"
#include "core/engine/run_loop.h"
#include "core/engine/run_summary.h"
#include "core/stats/loads_csv_writer.h"
#include "core/store/placement_record.h"

namespace moe::cli {
namespace {

std::atomic<bool> gStop{false};
extern "C" void onInterrupt(int) { gStop = true; }

struct RunFlags {
    WorkloadFlags workload;
    int64_t steps = 200;
    int ranks = 4;
    bool ranksGiven = false;
    bool mpi = false;
    std::string backend = "cpu";
    int device = -1;
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
    // The experiment store.
    std::string db;
    bool noDb = false;
    std::string name, notes;
    std::vector<std::string> tags;
    double commitInterval = 1.0;
    // Rebalancing (issue 5): off unless a policy is named.
    RebalanceOptions rebalance;
    bool rebalancing = false;
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
}

// Everything that decides what the run computes, so a stored run can be repeated.
std::string configJson(const RunFlags& f, const WorkloadShape& shape, const MoeEngine& engine,
                       const RankContext& ctx, const app::BackendChoice& backend) {
    nlohmann::json j;
    j["workload"] = {{"spec", f.workload.spec},
                     {"batching", f.workload.batching},
                     {"tokens_per_step", f.workload.tokensPerStep},
                     {"batch", f.workload.batch},
                     {"layers", shape.layers},
                     {"experts", shape.experts},
                     {"top_k", shape.topK}};
    j["steps"] = f.steps;
    j["ranks"] = engine.ranks();
    if (ctx.comm) j["mpi"] = {{"processes", ctx.comm->size()}, {"hosts", ctx.hosts}};
    j["backend"] = backend.used;
    if (backend.requested != backend.used) j["backend_requested"] = backend.requested;
    if (!backend.note.empty()) j["backend_note"] = backend.note;
    if (!backend.devices.empty()) j["devices"] = backend.devices;
    j["hidden"] = f.hidden;
    j["ffn"] = f.ffn;
    j["seed"] = f.seed;
    j["threads"] = f.threads;
    j["score"] = f.score;
    j["renormalize"] = !f.noRenormalize;
    j["capacity_factor"] = f.capacityFactor;
    j["own_gate"] = f.ownGate;
    j["share_weights"] = f.shareWeights;
    j["replicas"] = f.replicas;
    if (f.rebalancing)
        j["rebalance"] = {
            {"policy", f.rebalance.policy},       {"predictor", f.rebalance.predictor},
            {"slots", f.rebalance.slots},         {"every", f.rebalance.every},
            {"threshold", f.rebalance.threshold}, {"horizon", f.rebalance.horizon},
            {"max_moves", f.rebalance.maxMoves}};
    if (!f.loadsCsv.empty()) j["loads_csv"] = f.loadsCsv;
    return j.dump();
}

RunRecording startRecording(const RunFlags& f, const Workload& workload, const MoeEngine& engine,
                            const RankContext& ctx, const app::BackendChoice& backend) {
    if (f.noDb || !ctx.root()) return {};
    store::RunInfo info;
    const WorkloadShape& shape = workload.shape();
    info.name = f.name.empty() ? f.workload.spec : f.name;
    info.tags = f.tags;
    info.notes = f.notes;
    info.workload = workload.describe();
    info.configJson = configJson(f, shape, engine, ctx, backend);
    info.backend = engine.describe();
    info.layers = shape.layers;
    info.experts = shape.experts;
    info.ranks = engine.ranks();
    store::RecorderOptions options;
    options.batchInterval = std::chrono::milliseconds(
        std::max<int64_t>(1, static_cast<int64_t>(f.commitInterval * 1000)));
    return RunRecording(databasePath(f.db), info, options);
}

// The step loop of rank 0 (or of the only process): the distributed loop tells the other ranks
// when it ends.
int64_t runSteps(Workload& w, MoeEngine& engine, int64_t steps, const StepSink& sink,
                 const std::atomic<bool>* stop) {
    if (auto* b = dynamic_cast<BroadcastWorkload*>(&w))
        return runLoopDistributed(*b, engine, steps, sink, stop);
    return runLoop(w, engine, steps, sink, stop);
}

// Ranks other than 0 under MPI: compute their share of every step until rank 0 says the run
// ended; rank 0 prints and records. A Ctrl-C (mpirun forwards it) only stops them through it.
int runRank(const RunFlags& f, Workload& w, MoeEngine& engine) {
    gStop = false;
    auto previousInt = std::signal(SIGINT, onInterrupt);
    auto previousTerm = std::signal(SIGTERM, onInterrupt);
    runLoopDistributed(dynamic_cast<BroadcastWorkload&>(w), engine, f.steps, {}, nullptr);
    std::signal(SIGINT, previousInt);
    std::signal(SIGTERM, previousTerm);
    return 0;
}

// Threads for the engine: in all (in-process ranks share them), or, with one rank per process,
// this process's share of its machine (--threads counts a machine's threads then).
int engineThreads(const RunFlags& f, const RankContext& ctx) {
    if (!ctx.comm) return f.threads;
    const int machine = f.threads > 0
                            ? f.threads
                            : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    return std::max(1, machine / ctx.localRanks);
}

std::unique_ptr<Workload> openRunWorkload(const RunFlags& f, const RankContext& ctx) {
    const WorkloadOptions options = f.workload.options(f.steps, f.seed);
    if (!ctx.comm) return openWorkload(options);
    if (f.ranksGiven && f.ranks != ctx.comm->size())
        throw CollectiveError("--ranks " + std::to_string(f.ranks) + " but MPI started " +
                              std::to_string(ctx.comm->size()) +
                              " processes: with MPI the rank count is the process count "
                              "(drop --ranks, or start mpirun -np " +
                              std::to_string(f.ranks) + ")");
    BroadcastWorkload::Opener open;
    if (ctx.root()) open = [options] { return openWorkload(options); };
    return std::make_unique<BroadcastWorkload>(*ctx.comm, open);
}

int execute(const RunFlags& f, const RankContext& ctx) {
    EngineConfig config;
    config.layer.hidden = f.hidden;
    config.layer.ffn = f.ffn;
    config.layer.score = parseScoreFunction(f.score);
    config.layer.renormalize = !f.noRenormalize;
    config.layer.capacityFactor = f.capacityFactor;
    config.ranks = f.ranks;
    config.threads = engineThreads(f, ctx);
    config.seed = f.seed;
    config.forcedRouting = !f.ownGate;
    config.shareWeights = f.shareWeights;
    config.replicas = f.replicas;
    config.communicator = ctx.comm;
    // A GPU that fails mid-run says so on stderr (from a rank thread, hence the lock) and the
    // rank continues on the CPU.
    const std::string who = ctx.comm ? "rank " + std::to_string(ctx.comm->rank()) + ": " : "";
    auto notice = [who](const std::string& message) {
        static std::mutex lock;
        std::lock_guard guard(lock);
        std::cerr << who << "note: " << message << std::endl;
    };
    const app::BackendChoice backend =
        app::chooseBackend(f.backend, f.device, ctx.localRank, ctx.comm ? 1 : f.ranks, notice);
    if (!backend.note.empty()) notice(backend.note + "; running on the CPU");
    config.makeBackend = backend.make;

    auto workload = openRunWorkload(f, ctx);
    const WorkloadShape& shape = workload->shape();
    config.layer.experts = shape.experts;  // for the memory estimate below
    const double gib = static_cast<double>(config.weightBytes(shape.layers)) / (1ull << 30);
    if (gib > 16)
        throw CollectiveError("the expert weights would take " + fixed(gib, 1) + " GiB (" +
                              std::to_string(shape.layers) +
                              " layers); lower --hidden/--ffn or add --share-weights");
    std::unique_ptr<MoeEngine> enginePtr;
    std::unique_ptr<RebalanceController> rebalancer;
    std::unique_ptr<LoadsCsvWriter> csv;
    RunRecording recording;
    // Set-up that can fail, rank 0's parts included, settled before the first step's
    // collectives; the recording last, so a bad flag or file never leaves a run in the store.
    auto setUp = [&] {
        enginePtr = std::make_unique<MoeEngine>(config, shape);
        if (!ctx.root()) return;
        if (f.rebalancing)
            rebalancer = std::make_unique<RebalanceController>(f.rebalance, shape, *enginePtr);
        if (!f.loadsCsv.empty()) csv = std::make_unique<LoadsCsvWriter>(f.loadsCsv);
        recording = startRecording(f, *workload, *enginePtr, ctx, backend);
    };
    if (ctx.comm)
        settle(*ctx.comm, setUp);
    else
        setUp();
    MoeEngine& engine = *enginePtr;
    if (!ctx.root()) return runRank(f, *workload, engine);

    if (!f.quiet) {
        std::cout << "workload: " << workload->describe() << "\n"
                  << "engine:   " << engine.describe() << "\n";
    }
    // Even with --quiet: the id is what `runs show` and `compare` take, and it is wanted
    // while the run is still going.
    if (recording.active())
        std::cout << "run " << recording.runId() << ": recording to " << recording.path() << "\n";
    std::cout << std::flush;
    ProgressMeter meter(!f.quiet && stderrIsTerminal());
    RunSummary summary;
    gStop = false;
    auto previousInt = std::signal(SIGINT, onInterrupt);
    auto previousTerm = std::signal(SIGTERM, onInterrupt);
    auto restore = [&] {
        std::signal(SIGINT, previousInt);
        std::signal(SIGTERM, previousTerm);
        meter.finish();
    };
    try {
        runSteps(
            *workload, engine, f.steps,
            [&](const StepTelemetry& t) {
                summary.add(t);
                recording.record(t);
                if (csv) csv->write(t.step, t.loads);
                if (rebalancer && rebalancer->afterStep(t)) {
                    const RebalanceEvent& ev = rebalancer->events().back();
                    for (int l = 0; l < t.layers; ++l)
                        recording.record(store::decisionRecord(engine.placement(), l, ev.step,
                                                               f.rebalance.policy, ev.layers[l]));
                }
                meter.update(summary.steps(), f.steps, "steps",
                             fixed(summary.tokensPerSecond(), 0) + " tok/s");
            },
            &gStop);
        if (csv) csv->close();
    } catch (const std::exception& e) {
        restore();
        recording.fail(e.what());
        throw;
    }
    restore();
    if (gStop) std::cout << "interrupted after " << summary.steps() << " steps\n";
    printRunReport(std::cout, summary, engine);
    if (rebalancer) printRebalanceReport(std::cout, *rebalancer);
    if (csv) std::cout << "\nloads written to " << f.loadsCsv << "\n";
    recording.finish(std::cout, gStop, summary.steps());
    return gStop ? 130 : 0;
}

}  // namespace

Action addRunCommand(CLI::App& app) {
    auto f = std::make_shared<RunFlags>();
    CLI::App* cmd = app.add_subcommand(
        "run",
        "Run MoE layers on in-process ranks (or one rank per process under mpirun), driven by a "
        "workload's routing");
    f->workload.addTo(*cmd, "continuous");
    cmd->add_option("-n,--steps", f->steps, "Steps to run (0 = the whole workload)")
        ->check(nonNegative<int64_t>("the whole workload"))
        ->capture_default_str();
    auto* ranks = cmd->add_option("-G,--ranks", f->ranks,
                                  "Ranks (expert-parallel): threads of this process, or under MPI "
                                  "the process count")
                      ->check(inRange(1, 1024))
                      ->capture_default_str();
    cmd->add_flag("--mpi", f->mpi, kMpiFlagHelp);
    cmd->add_option("--backend", f->backend,
                    "Op backend: cpu, or cuda (falls back to the CPU with a note when there is no "
                    "device, no driver, or the device fails)")
        ->check(CLI::IsMember({"cpu", "cuda"}))
        ->capture_default_str();
    cmd->add_option("--device", f->device,
                    "CUDA device of every rank (default: ranks spread over the devices)")
        ->check(nonNegative<int>());
    cmd->add_option("--hidden", f->hidden, "Model width H")
        ->check(inRange(1, 65536))
        ->capture_default_str();
    cmd->add_option("--ffn", f->ffn, "Expert inner width F")
        ->check(inRange(1, 262144))
        ->capture_default_str();
    cmd->add_option("--seed", f->seed, "Seed of weights, activations and synthetic routing")
        ->capture_default_str();
    cmd->add_option("--threads", f->threads, "Compute threads in all (0 = all cores)")
        ->check(inRange(0, 1024))
        ->capture_default_str();
    cmd->add_option("--score", f->score, "Router score function")
        ->check(CLI::IsMember({"softmax", "sigmoid"}))
        ->capture_default_str();
    cmd->add_flag("--no-renormalize", f->noRenormalize,
                  "Do not renormalise the top-k router weights");
    cmd->add_option(
           "--capacity-factor", f->capacityFactor,
           "Expert capacity = ceil(cf * T * k / E); pairs beyond it are dropped (0 = unlimited)")
        ->check(nonNegative<double>("unlimited"))
        ->capture_default_str();
    cmd->add_flag("--own-gate", f->ownGate,
                  "Route with the layer's own (random) gate instead of the workload's routing");
    cmd->add_flag("--share-weights", f->shareWeights,
                  "One set of expert weights for all layers (saves memory)");
    cmd->add_option("--replica", f->replicas,
                    "Extra replica LAYER:EXPERT:RANK (LAYER may be *); repeat. A replicated "
                    "expert's tokens are split evenly");
    cmd->add_option("--loads-csv", f->loadsCsv,
                    "Write per-step loads as CSV rows step,layer,expert,tokens")
        ->check(outputFile());
    cmd->add_flag("-q,--quiet", f->quiet, "No header lines or progress");
    auto* policy =
        cmd->add_option("--policy", f->rebalance.policy,
                        "Rebalance with this duplication/placement policy: " + policyHelp());
    cmd->add_option("--predictor", f->rebalance.predictor,
                    "Load predictor whose forecast the policy plans for (default sw_avg)")
        ->needs(policy);
    cmd->add_option("--slots", f->rebalance.slots,
                    "Expert slots per layer over all ranks (0 = one per expert)")
        ->check(nonNegative<int>("one per expert"))
        ->needs(policy);
    cmd->add_option("--rebalance-every", f->rebalance.every, "Check for a rebalance every N steps")
        ->check(positive<int64_t>())
        ->capture_default_str()
        ->needs(policy);
    cmd->add_option(
           "--rebalance-threshold", f->rebalance.threshold,
           "Rebalance only when predicted balancedness (mean/max) is under this (0 = always)")
        ->check(inRange(0.0, 1.0))
        ->needs(policy);
    cmd->add_option("--horizon", f->rebalance.horizon, "Steps of forecast the policy plans for")
        ->check(positive<int>())
        ->capture_default_str()
        ->needs(policy);
    cmd->add_option("--max-moves", f->rebalance.maxMoves,
                    "Move at most this many experts per layer per rebalance")
        ->check(atLeast(-1, "-1 = no limit"))
        ->needs(policy);
    addDbOption(*cmd, f->db);
    cmd->add_flag("--no-db", f->noDb, "Do not record the run in the experiment database");
    cmd->add_option("--name", f->name, "Name of the recorded run (default: the workload spec)");
    cmd->add_option("--tag", f->tags, "Tag of the recorded run; repeat for several");
    cmd->add_option("--note", f->notes, "Notes of the recorded run");
    cmd->add_option("--commit-interval", f->commitInterval,
                    "Seconds between the recorder's commits (a crash loses at most this much)")
        ->check(inRange(0.001, 3600.0))
        ->capture_default_str();
    return [f, policy, ranks] {
        f->rebalancing = policy->count() > 0;
        f->ranksGiven = ranks->count() > 0;
        return runAsRanks(f->mpi, [f](const RankContext& ctx) { return execute(*f, ctx); });
    };
}

}  // namespace moe::cli
