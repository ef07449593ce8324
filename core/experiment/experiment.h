// The one place a run is assembled and driven: workload -> engine (real layers on the chosen
// backend and ranks, or replay-only) -> predictors observe and forecast -> rebalancing ->
// frame -> recorder. `run`, `predict`, MPI ranks and the GUI all build an ExperimentConfig and
// consume the frames this publishes; none of them wires engines, suites or recorders itself.
// Under MPI every process makes an Experiment with the same config; rank 0 reads the workload,
// predicts, rebalances, records and publishes, the others compute their share of each step.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/engine/run_summary.h"
#include "core/experiment/experiment_commands.h"
#include "core/experiment/experiment_config.h"
#include "core/experiment/experiment_frame.h"
#include "core/model/backend.h"
#include "core/workload/step.h"

namespace moe {

class Communicator;
class MoeEngine;
class Placement;
class PredictionSuite;
class RebalanceController;
namespace store {
struct RecorderStats;
}

// The op backend the ranks get (core knows no CUDA: the front end's chooser makes it).
struct BackendSelection {
    std::string used = "cpu";
    std::function<std::unique_ptr<Backend>(int rank)> make;  // empty = the CPU backend
    std::string devicesJson;  // a JSON array describing the devices used; empty = none
    std::string note;         // why the CPU runs although CUDA was asked for
};
using Notice = std::function<void(const std::string&)>;
// (model config, this process's first local rank, ranks it runs, mid-run notices)
using BackendChooser =
    std::function<BackendSelection(const ExperimentModel&, int localRank, int ranksHere, Notice)>;

// What the process running the experiment provides beyond the config.
struct ExperimentEnvironment {
    Communicator* communicator = nullptr;  // one rank per process (MPI); null = in-process ranks
    int localRanks = 1, localRank = 0, hosts = 1;  // MPI ranks on this machine, machines
    BackendChooser chooseBackend;                  // empty: the CPU backend
    Notice notice;  // problems that do not stop the run (a CUDA fallback), once each
    // A store that cannot be opened: a notice and the run goes on unrecorded (the GUI), or an
    // error before the first step (the CLI).
    bool recordingOptional = false;
};

class Experiment {
public:
    using FrameSink = std::function<void(const ExperimentFrame&)>;

    // Checks the config (throws moe::Error listing every bad field); opens nothing yet.
    explicit Experiment(ExperimentConfig config, ExperimentEnvironment environment = {});
    ~Experiment();
    Experiment(const Experiment&) = delete;
    Experiment& operator=(const Experiment&) = delete;

    // Opens the workload and builds the engine, predictors, rebalancer and outputs; the stored
    // run is created last, so a bad spec or file never leaves a run in the store. Collective
    // under MPI (an error on any rank throws on all).
    void open();
    // Runs steps until the workload ends, the step limit, or a stop; the sink gets rank 0's
    // frames. Settles the stored run (finished, interrupted or failed with the message) and
    // rethrows a failure. Returns the steps run.
    int64_t run(const FrameSink& sink = {});

    ExperimentCommands& commands();
    bool root() const;  // rank 0, or the only process: the one that predicts and records
    bool interrupted() const;

    const ExperimentConfig& config() const;
    const WorkloadShape& shape() const;
    std::string workloadDescription() const;
    std::string engineDescription() const;
    std::string rebalanceDescription() const;  // empty without a policy
    const BackendSelection& backend() const;
    // The config as stored with the run, with what the run found out (shape, backend, MPI).
    std::string configJson() const;

    // Predictor names (name:parameters) in the config's order; scores so far; the policy's.
    std::vector<std::string> predictorNames() const;
    std::vector<PredictorScoreRow> predictorScores() const;
    PolicyScoreRow policyScore() const;
    // L x G x E replicas per rank and expert of the placement the run started with.
    std::vector<int> initialReplicaCounts(int& experts) const;

    const RunSummary& summary() const;
    const Placement& placement() const;             // the current one (rank 0's)
    const MoeEngine* engine() const;                // null in a replay-only run
    const RebalanceController* rebalancer() const;  // null without a policy
    const PredictionSuite* suite() const;           // null without predictors
    int64_t runId() const;                          // 0 = not recorded
    std::string databasePath() const;
    store::RecorderStats recorderStats() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// L x G x E replicas per rank and expert of a placement.
std::vector<int> replicaCountsOf(const Placement& placement);

}  // namespace moe
