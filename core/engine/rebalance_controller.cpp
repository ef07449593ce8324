// See rebalance_controller.h.
#include "core/engine/rebalance_controller.h"

#include <algorithm>
#include <chrono>
#include <limits>

#include "core/balance/expert_calls.h"
#include "core/balance/migration_relabel.h"
#include "core/balance/policy_factory.h"
#include "core/balance/spare_slots.h"
#include "core/common/error.h"
#include "core/model/cpu_backend.h"
#include "core/predict/predictor_factory.h"

namespace moe {

double measureExpertFlopRate(int hidden, int ffn, int rows) {
    MoeLayerConfig c;
    c.hidden = hidden;
    c.ffn = ffn;
    c.experts = 1;
    c.topK = 1;
    ModelWeights w(c, 1, 3);
    std::vector<float> x(static_cast<size_t>(rows) * hidden), y(x.size());
    ModelWeights::fill(x, x.size(), 1, 9);
    CpuBackend backend;
    setComputeThreadsForThisThread(1);
    const FfnArgs args{&w.layer(0).experts[0], hidden, ffn, x.data(), rows, y.data()};
    backend.expertFfn(args);  // warm
    int reps = 0;
    const auto t0 = std::chrono::steady_clock::now();
    double elapsed = 0;
    while (elapsed < 0.2) {
        backend.expertFfn(args);
        ++reps;
        elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
    return 6.0 * hidden * ffn * rows * reps / elapsed;
}

size_t expertBytesOf(const MoeLayerConfig& lc) {
    return 3ull * static_cast<size_t>(lc.hidden) * static_cast<size_t>(lc.ffn) * sizeof(float);
}

namespace {
// Moves of a plan changed after the policy made it, against the placement it replaces.
void recountMoves(const Placement& current, const std::vector<double>& load, size_t expertBytes,
                  PolicyResult& r) {
    r.movedBytes = 0;
    const std::vector<LayerChange> changes = layerChanges(current, r.placement, load, expertBytes);
    r.movedExperts.assign(changes.size(), 0);
    for (size_t l = 0; l < changes.size(); ++l) {
        r.movedExperts[l] = changes[l].movedExperts;
        r.movedBytes += changes[l].movedBytes;
    }
}
}  // namespace

PolicyResult planPlacement(Policy& policy, const std::vector<double>& load,
                           const Placement& current, const RebalanceOptions& o,
                           const MoeLayerConfig& lc, double pairsPerLayer,
                           const std::vector<double>* transitions) {
    PolicyInput in;
    in.layers = current.layers();
    in.experts = current.experts();
    in.load = load;
    in.cluster.ranks = current.ranks();
    in.budget.slots = o.slots;
    in.budget.maxMovedExperts = o.maxMoves;
    in.current = &current;
    in.expertBytes = expertBytesOf(lc);
    in.tokensPerLayer = pairsPerLayer;
    in.transitions = transitions;
    PolicyResult r = policy.plan(in);
    if (o.spareSlotsOnly) {  // the base stays put, so there is nothing to relabel
        const Placement base =
            Placement::contiguous(current.layers(), current.experts(), current.ranks());
        const int slots = o.slots > 0 ? o.slots : current.experts();
        r.placement = keepBaseFillSpare(base, r.placement, slots / current.ranks(), load);
    } else if (o.migrationAware) {
        r.placement = relabelForFewestMoves(current, r.placement);
    } else {
        return r;
    }
    r.slotExperts.clear();  // slot numbers no longer match the placement
    recountMoves(current, load, in.expertBytes, r);
    return r;
}

RebalanceController::RebalanceController(const RebalanceOptions& o, const WorkloadShape& shape,
                                         PlacementTarget& engine,
                                         std::shared_ptr<LoadForecaster> forecaster)
    : options_(o),
      shape_(shape),
      engine_(engine),
      forecaster_(std::move(forecaster)),
      schedule_(o.every, o.threshold) {
    if (o.horizon < 1) throw Error("rebalance horizon must be >= 1");
    if (!forecaster_) forecaster_ = std::make_shared<LoadForecaster>(o.predictor, shape);
    policy_ = makePolicy(o.policy);
    countTransitions_ = policy_->needsTransitions();
    if (countTransitions_) {
        // The loads are what the engine routed; transitions from the trace's ids while the
        // engine's own gate routes would describe different tokens' paths.
        if (!engine.forcedRouting())
            throw Error("policy " + o.policy +
                        " needs the per-token routing the engine follows (MoETuner's "
                        "layer-to-layer transitions), but this run routes by its own gate: drop "
                        "--own-gate, or use moetuner:mode=balance");
        transitions_ = TransitionCounts(shape.layers, shape.experts);
        engine.setStepObserver([this](const Step& step) {
            transitions_.accumulate(step, shape_.topK);
            ++transitionSteps_;
        });
    }
    const MoeLayerConfig& lc = engine.layerConfig();
    flopRate_ = o.flopRate > 0 ? o.flopRate : measureExpertFlopRate(lc.hidden, lc.ffn, 64);
    measured_.assign(shape.layers, 0);
    modelled_.assign(shape.layers, 0);
    slowestFlops_.assign(shape.layers, 0);
    slowestCalls_.assign(shape.layers, 0);
}

void RebalanceController::retune(int64_t every, double threshold, int horizon, int maxMoves) {
    if (every < 1) throw Error("rebalance every must be 1 step or more");
    if (threshold < 0 || threshold > 1) throw Error("rebalance threshold must be from 0 to 1");
    if (horizon < 1) throw Error("rebalance horizon must be >= 1");
    if (maxMoves < -1) throw Error("max moves must be -1 (no limit) or more");
    options_.every = every;
    options_.threshold = threshold;
    options_.horizon = horizon;
    options_.maxMoves = maxMoves;
    schedule_ = RebalanceSchedule(every, threshold);
}

RebalanceController::~RebalanceController() {
    if (countTransitions_) engine_.setStepObserver({});  // it points at this controller
}

std::string RebalanceController::describe() const {
    return "policy " + options_.policy + ", predictor " + forecaster_->describe() + ", every " +
           std::to_string(options_.every) + " steps" +
           (options_.threshold > 0
                ? " when predicted balancedness < " + std::to_string(options_.threshold)
                : "") +
           (options_.slots ? ", " + std::to_string(options_.slots) + " slots" : "");
}

// Every (layer, rank) of the step as a sample of the fitted model: its rows' FLOPs, its expert
// calls (replicas with rows, split as the engine splits them) and its measured busy time.
void RebalanceController::addFitSamples(const StepTelemetry& t, const MoeLayerConfig& lc) {
    const Placement& p = engine_.placement();
    const double flopsPerRow = 6.0 * lc.hidden * lc.ffn;
    std::vector<double> calls;
    for (int l = 0; l < t.layers; ++l) {
        expertCallsPerRank(p, t.loads, l, calls);
        fit_.addLayer(t, l, calls, flopsPerRow);
        const int slowest = t.rankWithMostRows(l);
        const double flops = flopsPerRow * static_cast<double>(t.rankRowsAt(l, slowest));
        slowestFlops_[l] += flops;
        slowestCalls_[l] += calls[slowest];
        stepFlops_ += flops;
        stepCalls_ += calls[slowest];
    }
}

double RebalanceController::fittedLastStep() const {
    const BusyTimeFit::Result r = fit_.fit();
    if (!r.ok || stepCalls_ == 0) return std::numeric_limits<double>::quiet_NaN();
    return BusyTimeFit::predict(r, stepFlops_, stepCalls_);
}

std::vector<double> RebalanceController::fittedSlowest() const {
    const BusyTimeFit::Result r = fit_.fit();
    std::vector<double> out(slowestFlops_.size(), 0.0);
    for (size_t l = 0; l < out.size(); ++l)
        out[l] = BusyTimeFit::predict(r, slowestFlops_[l], slowestCalls_[l]);
    return out;
}

bool RebalanceController::afterStep(const StepTelemetry& t) {
    const MoeLayerConfig& lc = engine_.layerConfig();
    for (int l = 0; l < t.layers; ++l) {
        measured_[l] += t.slowestBusy(l);
        modelled_[l] +=
            6.0 * lc.hidden * lc.ffn * static_cast<double>(t.slowestRows(l)) / flopRate_;
    }
    stepFlops_ = stepCalls_ = 0;
    if (t.wallSeconds > 0) addFitSamples(t, lc);  // a replay measures no busy time to fit
    forecaster_->observe(t);
    // Between check points the schedule never acts: skip the forecast (an H-step rollout for
    // ARIMA or the LSTM) and the policy input instead of building them every step.
    if (!schedule_.checkPoint(t.step + 1)) return false;
    const std::vector<double> load = forecaster_->forecastLoad(options_.horizon);
    const double pairs = forecaster_->pairsPerStep();
    const Placement& current = engine_.placement();  // replaced only at the end
    const double before = predictedBalancedness(current, load);
    if (!schedule_.due(t.step + 1, before)) return false;
    // Transitions per step, the units of the load (pairs per step): each pair carries 1/k of
    // a token, so a layer's row sums are its expert loads (transition_counts.h).
    std::vector<double> transitions;
    if (countTransitions_ && transitionSteps_ > 0) {
        transitions = transitions_.values();
        for (double& v : transitions) v /= static_cast<double>(transitionSteps_);
    }
    PolicyResult r = planPlacement(*policy_, load, current, options_, lc, pairs,
                                   transitions.empty() ? nullptr : &transitions);
    if (countTransitions_) {  // the next rebalance sees only the steps after this one
        transitions_.clear();
        transitionSteps_ = 0;
    }
    RebalanceEvent ev;
    ev.step = t.step + 1;
    ev.balancednessBefore = before;
    ev.balancednessAfter = predictedBalancedness(r.placement, load);
    for (int m : r.movedExperts) ev.movedExperts += m;
    ev.movedBytes = r.movedBytes;
    ev.notes = r.notes;
    ev.layers = layerChanges(current, r.placement, load, expertBytesOf(lc));
    engine_.setPlacement(r.placement);  // `current` refers to the engine's: last use above
    events_.push_back(ev);
    return true;
}

}  // namespace moe
