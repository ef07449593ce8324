// See engine_runner.h. Every exception of the engine thread is caught here and turned into
// the Failed state plus a message, so a bad trace or spec never takes the window down; a store
// that cannot be opened is a warning and the run goes on unrecorded. The prediction suite,
// the rebalance controller and the recorder live on this thread only; what reaches the GUI is
// copied out into Frames and score rows.
#include "app/gui/engine_runner.h"

#include <algorithm>
#include <exception>
#include <memory>
#include <nlohmann/json.hpp>

#include "app/shared/backend_choice.h"
#include "core/common/error.h"
#include "core/engine/moe_engine.h"
#include "core/engine/rebalance_controller.h"
#include "core/engine/run_loop.h"
#include "core/predict/prediction_suite.h"
#include "core/store/placement_record.h"
#include "core/store/prediction_record.h"
#include "core/store/run_recorder.h"
#include "core/store/store_paths.h"
#include "core/workload/batching.h"
#include "core/workload/workload_factory.h"

namespace moe::gui {

EngineRunner::~EngineRunner() { stop(); }

void EngineRunner::start(const ExperimentConfig& config) {
    stop();
    {
        std::lock_guard lock(mutex_);
        queue_.clear();
        dropped_ = 0;
        error_.clear();
        description_.clear();
        names_.clear();
        initialCounts_.clear();
        experts_ = 0;
        databasePath_.clear();
        scores_.clear();
        policy_ = {};
        warnings_.clear();
    }
    runId_ = 0;
    stop_ = false;
    paused_ = false;
    state_ = RunState::Running;
    thread_ = std::thread([this, config] { run(config); });
}

void EngineRunner::pause() {
    if (state_ != RunState::Running) return;
    paused_ = true;
    state_ = RunState::Paused;
}

void EngineRunner::resume() {
    if (state_ != RunState::Paused) return;
    {
        std::lock_guard lock(mutex_);
        paused_ = false;
        state_ = RunState::Running;
    }
    pauseCv_.notify_all();
}

void EngineRunner::stop() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
        paused_ = false;
    }
    pauseCv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

int64_t EngineRunner::drain(std::vector<Frame>& out) {
    out.clear();
    std::lock_guard lock(mutex_);
    out.swap(queue_);
    const int64_t dropped = dropped_;
    dropped_ = 0;
    return dropped;
}

std::string EngineRunner::error() const {
    std::lock_guard lock(mutex_);
    return error_;
}

std::vector<std::string> EngineRunner::predictorNames() const {
    std::lock_guard lock(mutex_);
    return names_;
}

std::vector<int> EngineRunner::initialReplicaCounts(int& experts) const {
    std::lock_guard lock(mutex_);
    experts = experts_;
    return initialCounts_;
}

std::string EngineRunner::description() const {
    std::lock_guard lock(mutex_);
    return description_;
}

std::string EngineRunner::databasePath() const {
    std::lock_guard lock(mutex_);
    return databasePath_;
}

std::vector<PredictorScoreRow> EngineRunner::predictorScores() const {
    std::lock_guard lock(mutex_);
    return scores_;
}

PolicyScoreRow EngineRunner::policyScore() const {
    std::lock_guard lock(mutex_);
    return policy_;
}

std::vector<std::string> EngineRunner::takeWarnings() {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    out.swap(warnings_);
    return out;
}

void EngineRunner::warn(const std::string& message) {
    std::lock_guard lock(mutex_);
    warnings_.push_back(message);
}

void EngineRunner::push(Frame&& f) {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= capacity_) {
        ++dropped_;
        return;
    }
    queue_.push_back(std::move(f));
}

namespace {
// L x G x E replicas per rank and expert of a placement.
std::vector<int> replicaCounts(const Placement& p) {
    const int L = p.layers(), G = p.ranks(), E = p.experts();
    std::vector<int> counts(static_cast<size_t>(L) * G * E, 0);
    for (int l = 0; l < L; ++l)
        for (int e = 0; e < E; ++e)
            for (int r : p.replicas(l, e)) ++counts[(static_cast<size_t>(l) * G + r) * E + e];
    return counts;
}

double sum(const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return s;
}

std::string configJson(const ExperimentConfig& c, const WorkloadShape& shape,
                       const app::BackendChoice& backend) {
    nlohmann::json j;
    j["front_end"] = "gui";
    j["backend"] = backend.used;
    if (backend.requested != backend.used) j["backend_requested"] = backend.requested;
    if (!backend.note.empty()) j["backend_note"] = backend.note;
    if (!backend.devices.empty()) j["devices"] = backend.devices;
    j["workload"] = {{"spec", c.workload},     {"batching", c.batching},   {"batch", c.batchSize},
                     {"layers", shape.layers}, {"experts", shape.experts}, {"top_k", shape.topK}};
    j["steps"] = c.steps;
    j["ranks"] = c.ranks;
    j["hidden"] = c.hidden;
    j["ffn"] = c.ffn;
    j["seed"] = c.seed;
    j["predictors"] = c.predictors;
    j["horizons"] = c.horizons;
    j["phase_smooth"] = c.phaseSmooth;
    j["policy"] = c.policy;
    if (c.policy != "none")
        j["rebalance"] = {{"slots", shape.experts + c.extraSlots},
                          {"every", c.rebalanceEvery},
                          {"predictor", c.rebalancePredictor}};
    return j.dump();
}

// Per (horizon, predictor): the running mean over layers of the current forecast's errors
// (the evaluator reports one error per layer and horizon).
struct ErrorCollector {
    std::vector<double> sum;
    std::vector<int> count;
    std::vector<int64_t> step;
};
}  // namespace

void EngineRunner::run(ExperimentConfig config) {
    std::unique_ptr<store::RunRecorder> recorder;
    try {
        WorkloadOptions options;
        options.spec = config.workload;
        options.batching = parseBatching(config.batching);
        if (options.batching == Batching::Tokens)
            options.tokensPerStep = config.batchSize;
        else
            options.batch = config.batchSize;
        options.maxSteps = config.steps;
        options.seed = config.seed;
        auto workload = openWorkload(options);

        EngineConfig engineConfig;
        engineConfig.layer.hidden = config.hidden;
        engineConfig.layer.ffn = config.ffn;
        engineConfig.ranks = config.ranks;
        engineConfig.seed = config.seed;
        const app::BackendChoice backend = app::chooseBackend(
            config.backend, -1, 0, config.ranks,
            [this](const std::string& note) { warn(note + "; this rank goes on on the CPU"); });
        if (!backend.note.empty()) warn(backend.note + "; running on the CPU");
        engineConfig.makeBackend = backend.make;
        const WorkloadShape& shape = workload->shape();
        MoeEngine engine(engineConfig, shape);

        // One suite: a forecast of the longest horizon is scored at every horizon asked for,
        // so the predictors run once, however many horizons the error view offers.
        std::unique_ptr<PredictionSuite> suite;
        std::vector<std::string> names;
        std::vector<ErrorCollector> collectors;  // per horizon index
        std::vector<PredictionPoint> pending;
        if (config.horizons.empty()) config.horizons = {1};
        if (!config.predictors.empty()) {
            PredictionSuiteOptions po;
            po.predictors = config.predictors;
            po.evaluator.alsoAt = config.horizons;
            if (config.phases) {
                PhaseOptions phases;
                phases.smooth = config.phaseSmooth > 0                    ? config.phaseSmooth
                                : config.workload.rfind("train:", 0) == 0 ? 64
                                                                          : 1;
                po.phases = phases;
            }
            suite = std::make_unique<PredictionSuite>(po, shape);
            if (suite->tokenEvaluator())
                throw Error(
                    "the GUI feeds predictors step loads only: token-to-expert "
                    "predictors are not supported here (use moe-workbench-cli predict)");
            if (suite->loadEvaluator())
                for (const auto& sc : suite->loadEvaluator()->scores())
                    names.push_back(sc.parameters.empty() ? sc.name
                                                          : sc.name + ":" + sc.parameters);
            collectors.resize(config.horizons.size());
            for (ErrorCollector& c : collectors) {
                c.sum.assign(names.size(), 0);
                c.count.assign(names.size(), 0);
                c.step.assign(names.size(), 0);
            }
            std::lock_guard lock(mutex_);
            names_ = names;
        }

        std::unique_ptr<RebalanceController> rebalancer;
        if (!config.policy.empty() && config.policy != "none") {
            RebalanceOptions ro;
            ro.policy = config.policy;
            ro.predictor = config.rebalancePredictor;
            ro.slots = shape.experts + std::max(0, config.extraSlots);
            ro.every = std::max<int64_t>(1, config.rebalanceEvery);
            rebalancer = std::make_unique<RebalanceController>(ro, shape, engine);
        }

        if (config.record) {
            const std::string path =
                config.database.empty() ? store::defaultDatabasePath() : config.database;
            try {
                store::ensureParentFolder(path);
                store::RunInfo info;
                info.name = config.runName.empty() ? "gui: " + config.workload : config.runName;
                info.tags = {"gui"};
                info.workload = workload->describe();
                info.configJson = configJson(config, shape, backend);
                info.backend = engine.describe();
                info.layers = shape.layers;
                info.experts = shape.experts;
                info.ranks = config.ranks;
                recorder = std::make_unique<store::RunRecorder>(path, info);
                runId_ = recorder->runId();
                std::lock_guard lock(mutex_);
                databasePath_ = path;
            } catch (const std::exception& e) {
                warn(std::string("This run is not recorded: ") + e.what());
            }
        }
        if (suite) {
            suite->setErrorSink([&](const PredictionError& e) {
                const auto at =
                    std::find(config.horizons.begin(), config.horizons.end(), e.horizon);
                if (at == config.horizons.end()) return;
                const int hIndex = static_cast<int>(at - config.horizons.begin());
                ErrorCollector& c = collectors[hIndex];
                if (e.predictor < 0 || static_cast<size_t>(e.predictor) >= c.sum.size()) return;
                if (c.count[e.predictor] > 0 && c.step[e.predictor] != e.step) {
                    pending.push_back({c.step[e.predictor], e.predictor, hIndex,
                                       c.sum[e.predictor] / c.count[e.predictor]});
                    c.sum[e.predictor] = 0;
                    c.count[e.predictor] = 0;
                }
                c.step[e.predictor] = e.step;
                c.sum[e.predictor] += e.metrics.relative;
                ++c.count[e.predictor];
                if (recorder) recorder->record(store::predictionRecord(names[e.predictor], e));
            });
        }
        auto flushErrors = [&](std::vector<PredictionPoint>& out) {
            for (size_t hi = 0; hi < collectors.size(); ++hi) {
                ErrorCollector& h = collectors[hi];
                for (size_t p = 0; p < h.sum.size(); ++p) {
                    if (h.count[p] == 0) continue;
                    out.push_back({h.step[p], static_cast<int>(p), static_cast<int>(hi),
                                   h.sum[p] / h.count[p]});
                    h.sum[p] = 0;
                    h.count[p] = 0;
                }
            }
        };
        double measuredSum = 0, modelledSum = 0;
        auto publishScores = [&] {
            std::vector<PredictorScoreRow> rows;
            const PredictionEvaluator* ev = suite ? suite->loadEvaluator() : nullptr;
            for (size_t hi = 0; ev && hi < config.horizons.size(); ++hi)
                for (size_t p = 0; p < ev->scores().size(); ++p) {
                    const PredictorScore& sc = ev->scores()[p];
                    rows.push_back({names[p], config.horizons[hi], sc.alsoAt[hi].mean().relative,
                                    sc.alsoAt[hi].count(), sc.microsecondsPerForecastPerLayer()});
                }
            PolicyScoreRow pol;
            if (rebalancer) {
                pol.name = config.policy;
                pol.rebalances = static_cast<int>(rebalancer->events().size());
                if (pol.rebalances > 0) {
                    double before = 0, after = 0;
                    for (const RebalanceEvent& ev : rebalancer->events()) {
                        before += ev.balancednessBefore;
                        after += ev.balancednessAfter;
                        pol.movedExperts += ev.movedExperts;
                    }
                    pol.balancednessBefore = before / pol.rebalances;
                    pol.balancednessAfter = after / pol.rebalances;
                }
                pol.measuredSlowestSeconds = sum(rebalancer->measuredSlowest());
                pol.modelledSlowestSeconds = sum(rebalancer->modelledSlowest());
            }
            std::lock_guard lock(mutex_);
            scores_ = std::move(rows);
            policy_ = std::move(pol);
        };

        Placement previous = engine.placement();
        {
            std::lock_guard lock(mutex_);
            description_ = workload->describe() + " | " + engine.describe() +
                           (rebalancer ? " | " + rebalancer->describe() : std::string());
            initialCounts_ = replicaCounts(previous);
            experts_ = previous.experts();
        }
        int64_t done = 0;
        runLoop(
            *workload, engine, config.steps,
            [&](const StepTelemetry& t) {
                if (recorder) recorder->record(t);
                Frame f;
                f.telemetry = t;
                if (suite) {
                    Step step;
                    step.index = t.step;
                    step.tokens = t.tokens;
                    suite->push(step, t.loads);
                    f.errors = std::move(pending);
                    pending.clear();
                    flushErrors(f.errors);
                    if (const PhaseDetector* pd = suite->phases()) {
                        f.stable.resize(static_cast<size_t>(t.layers));
                        for (int l = 0; l < t.layers; ++l) f.stable[l] = pd->stable(l) ? 1 : 0;
                    }
                }
                if (rebalancer) {
                    const bool rebalanced = rebalancer->afterStep(t);
                    const double measured = sum(rebalancer->measuredSlowest());
                    const double modelled = sum(rebalancer->modelledSlowest());
                    f.measuredSlowest = measured - measuredSum;
                    f.modelledSlowest = modelled - modelledSum;
                    measuredSum = measured;
                    modelledSum = modelled;
                    if (rebalanced) {
                        const Placement& now = engine.placement();
                        f.rebalanced = true;
                        const RebalanceEvent& ev = rebalancer->events().back();
                        f.event = {ev.step, ev.balancednessBefore, ev.balancednessAfter,
                                   ev.movedExperts, ev.movedBytes};
                        f.experts = now.experts();
                        f.replicaCounts = replicaCounts(now);
                        f.changed.assign(static_cast<size_t>(now.layers()) * now.experts(), 0);
                        for (int l = 0; l < now.layers(); ++l)
                            for (int e = 0; e < now.experts(); ++e)
                                if (now.replicas(l, e) != previous.replicas(l, e))
                                    f.changed[static_cast<size_t>(l) * now.experts() + e] = 1;
                        previous = now;
                        if (recorder)
                            for (int l = 0; l < now.layers(); ++l)
                                recorder->record(store::decisionRecord(
                                    now, l, ev.step, config.policy, ev.layers[l]));
                    }
                }
                push(std::move(f));
                if (++done % 25 == 0) publishScores();
                if (paused_) {
                    std::unique_lock lock(mutex_);
                    pauseCv_.wait(lock, [this] { return !paused_ || stop_; });
                }
            },
            &stop_);
        publishScores();
        if (recorder) {
            if (rebalancer) {
                // What the comparison table shows for stored runs: model against measurement.
                recorder->record(store::MetricRecord{
                    "modelled_slowest_seconds", sum(rebalancer->modelledSlowest()), {}});
                recorder->record(store::MetricRecord{
                    "measured_slowest_seconds", sum(rebalancer->measuredSlowest()), {}});
            }
            const bool stopped = stop_.load();
            recorder->finish(
                stopped ? store::RunStatus::Interrupted : store::RunStatus::Finished,
                stopped ? "stopped by the user after " + std::to_string(done) + " steps" : "");
        }
        state_ = RunState::Finished;
    } catch (const std::exception& e) {
        if (recorder) {
            try {
                recorder->finish(store::RunStatus::Failed, e.what());
            } catch (...) {
                // The recorder's own failure; the run's error below is what the user sees.
            }
        }
        {
            std::lock_guard lock(mutex_);
            error_ = e.what();
        }
        state_ = RunState::Failed;
    }
}

}  // namespace moe::gui
