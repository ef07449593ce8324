// See engine_runner.h. Every exception of the engine thread is caught here and turned into
// the Failed state plus a message, so a bad trace or spec never takes the window down. The
// prediction suite and the rebalance controller live on this thread only; what reaches the GUI
// is copied out into Frames.
#include "app/gui/engine_runner.h"

#include <algorithm>
#include <exception>
#include <memory>

#include "core/common/error.h"
#include "core/engine/moe_engine.h"
#include "core/engine/rebalance_controller.h"
#include "core/engine/run_loop.h"
#include "core/predict/prediction_suite.h"
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
    }
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
}  // namespace

void EngineRunner::run(ExperimentConfig config) {
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
        const WorkloadShape& shape = workload->shape();
        MoeEngine engine(engineConfig, shape);

        std::unique_ptr<PredictionSuite> suite;
        std::vector<double> errSum;
        std::vector<int> errCount;
        std::vector<int64_t> errStep;
        std::vector<PredictionPoint> pending;
        auto flushErrors = [&](std::vector<PredictionPoint>& out) {
            for (size_t p = 0; p < errSum.size(); ++p) {
                if (errCount[p] == 0) continue;
                out.push_back({errStep[p], static_cast<int>(p), errSum[p] / errCount[p]});
                errSum[p] = 0;
                errCount[p] = 0;
            }
        };
        if (!config.predictors.empty()) {
            PredictionSuiteOptions po;
            po.predictors = config.predictors;
            po.evaluator.horizon = std::max(1, config.horizon);
            if (config.phases) po.phases = PhaseOptions{};
            suite = std::make_unique<PredictionSuite>(po, shape);
            if (suite->tokenEvaluator())
                throw Error(
                    "the GUI feeds predictors step loads only: token-to-expert "
                    "predictors are not supported here");
            std::vector<std::string> names;
            if (suite->loadEvaluator())
                for (const auto& sc : suite->loadEvaluator()->scores())
                    names.push_back(sc.parameters.empty() ? sc.name
                                                          : sc.name + ":" + sc.parameters);
            errSum.assign(names.size(), 0);
            errCount.assign(names.size(), 0);
            errStep.assign(names.size(), 0);
            suite->setErrorSink([&](const PredictionError& e) {
                if (e.predictor < 0 || static_cast<size_t>(e.predictor) >= errSum.size()) return;
                if (errCount[e.predictor] > 0 && errStep[e.predictor] != e.step) {
                    // A new forecast step before the previous one was flushed.
                    pending.push_back({errStep[e.predictor], e.predictor,
                                       errSum[e.predictor] / errCount[e.predictor]});
                    errSum[e.predictor] = 0;
                    errCount[e.predictor] = 0;
                }
                errStep[e.predictor] = e.step;
                errSum[e.predictor] += e.metrics.relative;
                ++errCount[e.predictor];
            });
            std::lock_guard lock(mutex_);
            names_ = std::move(names);
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
        Placement previous = engine.placement();
        {
            std::lock_guard lock(mutex_);
            description_ = workload->describe() + " | " + engine.describe() +
                           (rebalancer ? " | " + rebalancer->describe() : std::string());
            initialCounts_ = replicaCounts(previous);
            experts_ = previous.experts();
        }
        runLoop(
            *workload, engine, config.steps,
            [&](const StepTelemetry& t) {
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
                if (rebalancer && rebalancer->afterStep(t)) {
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
                }
                push(std::move(f));
                if (paused_) {
                    std::unique_lock lock(mutex_);
                    pauseCv_.wait(lock, [this] { return !paused_ || stop_; });
                }
            },
            &stop_);
        state_ = RunState::Finished;
    } catch (const std::exception& e) {
        {
            std::lock_guard lock(mutex_);
            error_ = e.what();
        }
        state_ = RunState::Failed;
    }
}

}  // namespace moe::gui
