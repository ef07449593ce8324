// See experiment.h. open() builds the parts in the order that keeps failures cheap (workload,
// engine, predictors, rebalancer, CSV, and the stored run last); run() is the one step loop of
// every front end. Every part lives on the thread that calls run(); callers reach a running
// experiment only through its command queue.
#include "core/experiment/experiment.h"

#include "core/comm/settle.h"
#include "core/common/error.h"
#include "core/engine/broadcast_workload.h"
#include "core/experiment/experiment_impl.h"
#include "core/experiment/experiment_parts.h"
#include "core/experiment/workload_source.h"
#include "core/predict/predictor_factory.h"
#include "core/store/store_paths.h"

namespace moe {

Experiment::Experiment(ExperimentConfig config, ExperimentEnvironment environment)
    : impl_(std::make_unique<Impl>()) {
    checkExperimentConfig(config);
    impl_->config = std::move(config);
    impl_->env = std::move(environment);
}

Experiment::~Experiment() = default;

void Experiment::Impl::openWorkload() {
    const WorkloadOptions options = workloadOptionsFor(config);
    Communicator* comm = env.communicator;
    if (!comm) {
        workload = moe::openWorkload(options);
    } else {
        if (config.model.ranks != comm->size())
            throw CollectiveError("model.ranks is " + std::to_string(config.model.ranks) +
                                  " but MPI started " + std::to_string(comm->size()) +
                                  " processes: with MPI the rank count is the process count");
        BroadcastWorkload::Opener open;
        if (root()) open = [options] { return moe::openWorkload(options); };
        workload = std::make_unique<BroadcastWorkload>(*comm, open);
    }
    shape = workload->shape();
}

void Experiment::Impl::buildEngine() {
    EngineConfig ec = engineConfigFor(config, env);
    ec.layer.experts = shape.experts;
    ec.layer.topK = shape.topK;
    if (config.model.replayOnly) {
        replay = std::make_unique<ReplayPlacement>(ec.layer, shape.layers, config.model.ranks,
                                                   config.model.replicas);
        return;
    }
    const double gib = static_cast<double>(ec.weightBytes(shape.layers)) / (1ull << 30);
    if (gib > 16)
        throw CollectiveError("the expert weights would take " + std::to_string(int(gib)) +
                              " GiB (" + std::to_string(shape.layers) +
                              " layers); lower model.hidden/model.ffn or share weights");
    if (env.chooseBackend) {
        const int here = env.communicator ? 1 : config.model.ranks;
        backend = env.chooseBackend(config.model, env.localRank, here, env.notice);
        if (!backend.note.empty()) notice(backend.note + "; running on the CPU");
        ec.makeBackend = backend.make;
    }
    engine = std::make_unique<MoeEngine>(ec, shape);
}

namespace {
// Each compared predictor against the workload it will see: one that needs token ids or
// positions the workload lacks, or that guesses routing an own-gate run does not follow, is
// refused naming its field.
void checkPredictorsFit(const ExperimentConfig& config, const WorkloadShape& shape) {
    const auto& specs = config.prediction.predictors;
    for (size_t i = 0; i < specs.size(); ++i) {
        const std::string field = "prediction.predictors[" + std::to_string(i) + "]";
        PredictorSet probe;
        try {
            addPredictor(specs[i], shape, probe);
        } catch (const Error& e) {
            throw Error(field + ": " + e.what());
        }
        if (config.model.ownGate && !probe.token.empty())
            throw Error(field + ": " + specs[i] +
                        " guesses the workload's routing, which a run with its own gate "
                        "(model.own_gate) does not follow");
    }
}
}  // namespace

void Experiment::Impl::buildRootParts() {
    if (!config.prediction.predictors.empty()) {
        checkPredictorsFit(config, shape);
        tracker =
            std::make_unique<PredictionTracker>(config.prediction, config.workload.spec, shape);
    }
    if (config.rebalance.enabled()) {
        rebalancer = std::make_unique<RebalanceController>(rebalanceOptionsFor(config, shape),
                                                           shape, target());
        makeBounds();
    }
    if (!config.recording.loadsCsv.empty())
        csv = std::make_unique<LoadsCsvWriter>(config.recording.loadsCsv);
    initial = previous = target().placement();
    startRecording();
}

void Experiment::Impl::makeBounds() {
    const MoeLayerConfig& layer = target().layerConfig();
    const int ranks = target().placement().ranks();
    contiguousBound = WhatIfLane::contiguous(layer, shape.layers, ranks, {});
    const RebalanceOptions o = rebalanceOptionsFor(config, shape);
    if (o.policy.rfind("moetuner", 0) != 0)
        oracleBound = WhatIfLane::oracle(o, shape, layer, ranks, {});
}

void Experiment::Impl::startRecording() {
    if (!config.recording.record) return;
    const ExperimentRecording& r = config.recording;
    const std::string path = r.database.empty() ? store::defaultDatabasePath() : r.database;
    store::RunInfo info;
    info.name = r.name.empty() ? defaultRunName(config) : r.name;
    info.tags = r.tags;
    info.notes = r.notes;
    info.workload = workload->describe();
    const int ranks = engine ? engine->ranks() : config.model.ranks;
    info.configJson = experimentConfigJson(config, runFactsJson(shape, ranks, backend, env));
    info.backend =
        engine ? engine->describe()
               : "replay only: routing on " + std::to_string(ranks) + " ranks, no layers executed";
    info.layers = shape.layers;
    info.experts = shape.experts;
    info.ranks = ranks;
    store::RecorderOptions options;
    options.batchInterval = std::chrono::milliseconds(
        std::max<int64_t>(1, static_cast<int64_t>(r.commitInterval * 1000)));
    try {
        store::ensureParentFolder(path);
        recorder = std::make_unique<store::RunRecorder>(path, info, options);
        databasePath = path;
    } catch (const std::exception& e) {
        if (!env.recordingOptional) throw;
        notice(std::string("This run is not recorded: ") + e.what());
    }
    if (tracker) tracker->setRecorder(recorder.get());
}

void Experiment::open() {
    Impl& m = *impl_;
    if (m.opened) throw Error("experiment opened twice");
    m.openWorkload();
    // Set-up that can fail, rank 0's parts included, settled before the first step's
    // collectives, so a bad file on rank 0 ends every rank with its message.
    auto setUp = [&m] {
        m.buildEngine();
        if (m.root()) m.buildRootParts();
    };
    if (m.env.communicator)
        settle(*m.env.communicator, setUp);
    else
        setUp();
    m.opened = true;
}

ExperimentCommands& Experiment::commands() { return impl_->commands; }
bool Experiment::root() const { return impl_->root(); }
bool Experiment::interrupted() const { return impl_->commands.stopRequested(); }
const ExperimentConfig& Experiment::config() const { return impl_->config; }
const WorkloadShape& Experiment::shape() const { return impl_->shape; }
const BackendSelection& Experiment::backend() const { return impl_->backend; }
const RunSummary& Experiment::summary() const { return impl_->summary; }
const Placement& Experiment::placement() const { return impl_->target().placement(); }
const MoeEngine* Experiment::engine() const { return impl_->engine.get(); }
const RebalanceController* Experiment::rebalancer() const { return impl_->rebalancer.get(); }
int64_t Experiment::runId() const { return impl_->recorder ? impl_->recorder->runId() : 0; }
std::string Experiment::databasePath() const { return impl_->databasePath; }

const PredictionSuite* Experiment::suite() const {
    return impl_->tracker ? &impl_->tracker->suite() : nullptr;
}

store::RecorderStats Experiment::recorderStats() const {
    return impl_->recorder ? impl_->recorder->stats() : store::RecorderStats{};
}

std::string Experiment::workloadDescription() const {
    return impl_->workload ? impl_->workload->describe() : std::string();
}

std::string Experiment::engineDescription() const {
    const Impl& m = *impl_;
    if (m.engine) return m.engine->describe();
    if (m.replay)
        return "replay only: routing on " + std::to_string(m.config.model.ranks) +
               " ranks, no layers executed";
    return {};
}

std::string Experiment::rebalanceDescription() const {
    return impl_->rebalancer ? impl_->rebalancer->describe() : std::string();
}

std::string Experiment::configJson() const {
    const Impl& m = *impl_;
    const int ranks = m.engine ? m.engine->ranks() : m.config.model.ranks;
    return experimentConfigJson(
        m.config, m.workload ? runFactsJson(m.shape, ranks, m.backend, m.env) : std::string());
}

std::vector<std::string> Experiment::predictorNames() const {
    return impl_->tracker ? impl_->tracker->names() : std::vector<std::string>{};
}

std::vector<PredictorScoreRow> Experiment::predictorScores() const {
    return impl_->tracker ? impl_->tracker->scores() : std::vector<PredictorScoreRow>{};
}

std::vector<int> Experiment::initialReplicaCounts(int& experts) const {
    const Impl& m = *impl_;
    experts = m.opened && m.root() ? m.previous.experts() : 0;
    return experts ? replicaCountsOf(m.initial) : std::vector<int>{};
}

PolicyScoreRow Experiment::policyScore() const {
    PolicyScoreRow row;
    const RebalanceController* rc = impl_->rebalancer.get();
    if (!rc) return row;
    row.name = impl_->config.rebalance.policy;
    row.rebalances = static_cast<int>(rc->events().size());
    if (row.rebalances > 0) {
        double before = 0, after = 0;
        for (const RebalanceEvent& ev : rc->events()) {
            before += ev.balancednessBefore;
            after += ev.balancednessAfter;
            row.movedExperts += ev.movedExperts;
        }
        row.balancednessBefore = before / row.rebalances;
        row.balancednessAfter = after / row.rebalances;
    }
    double measured = 0, modelled = 0;
    for (double v : rc->measuredSlowest()) measured += v;
    for (double v : rc->modelledSlowest()) modelled += v;
    row.measuredSlowestSeconds = measured;
    row.modelledSlowestSeconds = modelled;
    return row;
}

}  // namespace moe
