// See whatif_lane.h.
#include "core/whatif/whatif_lane.h"

#include <algorithm>
#include <cmath>

#include "core/balance/expert_calls.h"
#include "core/balance/policy_factory.h"
#include "core/balance/rebalance_schedule.h"

namespace moe {

WhatIfLane::WhatIfLane(const MoeLayerConfig& layer, int layers, int ranks,
                       const WhatIfCluster& cluster)
    : cluster_(cluster), placement_(layer, layers, ranks, {}) {}

namespace {
// What a lane following `o` is named in the matrix.
void labelScore(WhatIfScore& s, const RebalanceOptions& o) {
    s.predictor = o.predictor;
    s.policy = o.policy;
    s.every = o.every;
    s.threshold = o.threshold;
    s.migrationAware = o.migrationAware;
    s.spareSlotsOnly = o.spareSlotsOnly;
}
}  // namespace

bool isCeilingRow(const std::string& predictor) {
    return predictor.find(kCeilingLabel) != std::string::npos;
}

std::unique_ptr<WhatIfLane> WhatIfLane::contiguous(const MoeLayerConfig& layer, int layers,
                                                   int ranks, const WhatIfCluster& cluster) {
    std::unique_ptr<WhatIfLane> lane(new WhatIfLane(layer, layers, ranks, cluster));
    lane->score_.predictor = "contiguous";
    lane->score_.policy = "-";
    return lane;
}

std::unique_ptr<WhatIfLane> WhatIfLane::predicted(const RebalanceOptions& options,
                                                  const WorkloadShape& shape,
                                                  const MoeLayerConfig& layer, int ranks,
                                                  const WhatIfCluster& cluster,
                                                  std::shared_ptr<LoadForecaster> forecaster) {
    std::unique_ptr<WhatIfLane> lane(new WhatIfLane(layer, shape.layers, ranks, cluster));
    RebalanceOptions o = options;
    o.flopRate = cluster.flopRate;  // modelled, not measured: no 0.2 s calibration per lane
    lane->controller_ =
        std::make_unique<RebalanceController>(o, shape, lane->placement_, std::move(forecaster));
    lane->options_ = o;
    labelScore(lane->score_, o);
    return lane;
}

std::unique_ptr<WhatIfLane> WhatIfLane::planning(const RebalanceOptions& options,
                                                 const WorkloadShape& shape,
                                                 const MoeLayerConfig& layer, int ranks,
                                                 const WhatIfCluster& cluster) {
    std::unique_ptr<WhatIfLane> lane(new WhatIfLane(layer, shape.layers, ranks, cluster));
    lane->policy_ = makePolicy(options.policy);
    lane->options_ = options;
    lane->shape_ = shape;
    if (lane->policy_->needsTransitions())
        lane->transitions_ = TransitionCounts(shape.layers, shape.experts);
    labelScore(lane->score_, options);
    return lane;
}

std::unique_ptr<WhatIfLane> WhatIfLane::oracle(const RebalanceOptions& options,
                                               const WorkloadShape& shape,
                                               const MoeLayerConfig& layer, int ranks,
                                               const WhatIfCluster& cluster) {
    auto lane = planning(options, shape, layer, ranks, cluster);
    lane->score_.predictor = "oracle";
    lane->score_.every = 1;
    lane->score_.threshold = 0;
    return lane;
}

std::unique_ptr<WhatIfLane> WhatIfLane::inStep(const RebalanceOptions& options,
                                               const WorkloadShape& shape,
                                               const MoeLayerConfig& layer, int ranks,
                                               const WhatIfCluster& cluster,
                                               std::shared_ptr<StepLoadForecaster> forecaster) {
    auto lane = planning(options, shape, layer, ranks, cluster);
    lane->stepForecaster_ = std::move(forecaster);
    return lane;
}

void WhatIfLane::countMove(int experts, size_t bytes, double stepCompute) {
    if (experts == 0 && bytes == 0) return;
    ++score_.rebalances;
    score_.movedExperts += experts;
    score_.movedBytes += static_cast<double>(bytes);
    const double copy = static_cast<double>(bytes) / (cluster_.linkGBs * 1e9);
    score_.exposedCopySeconds += std::max(0.0, copy - stepCompute);
}

// A plan for step t made before it runs: from its own loads (the oracle, which no system can
// know in time) or from an in-step forecast.
void WhatIfLane::plan(const Step& step, const std::vector<double>& load,
                      const std::vector<double>* transitions) {
    // The plan only reads the current placement until it is replaced: no copy of it.
    const PolicyResult r =
        planPlacement(*policy_, load, placement_.placement(), options_, placement_.layerConfig(),
                      static_cast<double>(step.tokens) * shape_.topK, transitions);
    placement_.setPlacement(r.placement);
    int moved = 0;
    for (int m : r.movedExperts) moved += m;
    pendingMove_ = {moved, r.movedBytes};
    pendingLayerMoves_ = r.movedExperts;
}

// In-step: every `every` steps, from the forecaster's view of this step; MoETuner's
// transitions are those of the steps before.
void WhatIfLane::planInStep(const Step& step) {
    planned_ = seen_ % std::max<int64_t>(1, options_.every) == 0;
    if (!planned_) return;
    const std::vector<double>& forecast = stepForecaster_->forecast(step);
    if (options_.threshold > 0 &&
        predictedBalancedness(placement_.placement(), forecast) >= options_.threshold) {
        planned_ = false;  // balanced enough under the forecast: keep the placement
        return;
    }
    const bool counted = policy_->needsTransitions() && transitions_.tokens() > 0;
    plan(step, forecast, counted ? &transitions_.values() : nullptr);
}

// Copies of layer l overlap the modelled compute of layer l-1 of this step (layer 0: the last
// layer of the step before); what does not fit is exposed.
void WhatIfLane::countInStepMove(double lastLayerBefore) {
    if (!planned_ || pendingMove_.first == 0) return;
    ++score_.rebalances;
    score_.movedExperts += pendingMove_.first;
    score_.movedBytes += static_cast<double>(pendingMove_.second);
    const double perExpert =
        static_cast<double>(expertBytesOf(placement_.layerConfig())) / (cluster_.linkGBs * 1e9);
    for (size_t l = 0; l < pendingLayerMoves_.size(); ++l) {
        const double window = l == 0 ? lastLayerBefore : layerCompute_[l - 1];
        score_.exposedCopySeconds += std::max(0.0, pendingLayerMoves_[l] * perExpert - window);
    }
}

void WhatIfLane::scoreLayers(const std::vector<double>& ratio) {
    layerSums_.resize(ratio.size(), 0.0);
    layerCounts_.resize(ratio.size(), 0);
    score_.layerSlowestOverIdeal.resize(ratio.size(), 0.0);
    for (size_t l = 0; l < ratio.size(); ++l) {
        if (std::isnan(ratio[l])) continue;  // a layer without tokens this step
        layerSums_[l] += ratio[l];
        ++layerCounts_[l];
        score_.layerSlowestOverIdeal[l] = layerSums_[l] / static_cast<double>(layerCounts_[l]);
    }
}

// The busiest rank's modelled time in layer l: its rows, plus its expert calls where a call
// has a cost of its own (then the busiest may be a rank with fewer rows and more calls).
double WhatIfLane::layerSeconds(const StepTelemetry& t, int l, double flopsPerRow) {
    if (cluster_.secondsPerCall <= 0)
        return flopsPerRow * static_cast<double>(t.slowestRows(l)) / cluster_.flopRate;
    expertCallsPerRank(placement_.placement(), t.loads, l, calls_);
    double busiest = 0;
    for (int r = 0; r < t.ranks; ++r)
        busiest = std::max(
            busiest, flopsPerRow * static_cast<double>(t.rankRowsAt(l, r)) / cluster_.flopRate +
                         cluster_.secondsPerCall * calls_[r]);
    return busiest;
}

double WhatIfLane::scoreStep(const StepTelemetry& t) {
    const MoeLayerConfig& lc = placement_.layerConfig();
    double compute = 0, stepSum = 0;
    int stepLayers = 0;
    layerCompute_.assign(static_cast<size_t>(t.layers), 0.0);
    std::vector<double> layerRatio(static_cast<size_t>(t.layers), NAN);
    for (int l = 0; l < t.layers; ++l) {
        int64_t pairs = 0;
        for (int r = 0; r < t.ranks; ++r) pairs += t.rankRowsAt(l, r);
        const int64_t slowest = t.slowestRows(l);
        layerCompute_[l] = layerSeconds(t, l, 6.0 * lc.hidden * lc.ffn);
        compute += layerCompute_[l];
        if (pairs == 0) continue;
        layerRatio[l] = static_cast<double>(slowest) * t.ranks / static_cast<double>(pairs);
        stepSum += layerRatio[l];
        ++stepLayers;
    }
    score_.perStep.push_back(stepLayers ? static_cast<float>(stepSum / stepLayers) : NAN);
    if (seen_ < warmup_) return compute;  // planned and replayed, not scored
    slowestSum_ += stepSum;
    slowestCount_ += stepLayers;
    score_.slowestOverIdeal = slowestCount_ ? slowestSum_ / slowestCount_ : 0;
    scoreLayers(layerRatio);
    score_.computeSeconds += compute;
    ++score_.steps;
    return compute;
}

void WhatIfLane::step(const Step& step, const LoadMatrix& loads) {
    const double lastLayerBefore = layerCompute_.empty() ? 0 : layerCompute_.back();
    if (stepForecaster_) {
        planInStep(step);
    } else if (policy_) {
        std::vector<double> transitions;
        if (policy_->needsTransitions()) {
            transitions_.clear();
            transitions_.accumulate(step, shape_.topK);
            transitions = transitions_.values();
        }
        plan(step, std::vector<double>(loads.all().begin(), loads.all().end()),
             transitions.empty() ? nullptr : &transitions);
    }
    placement_.replay(step, loads, telemetry_);
    const double compute = scoreStep(telemetry_);
    const bool scored = seen_++ >= warmup_;
    if (!scored) {
        // Learn, but count nothing: a warm-up step's moves are not the run's.
        if (stepForecaster_ && policy_->needsTransitions())
            transitions_.accumulate(step, shape_.topK);
        if (controller_) controller_->afterStep(telemetry_);
    } else if (stepForecaster_) {
        countInStepMove(lastLayerBefore);
        if (policy_->needsTransitions()) transitions_.accumulate(step, shape_.topK);
        score_.forecasts = stepForecaster_->observedSteps();
        score_.forecastSeconds = stepForecaster_->busySeconds();
    } else if (policy_) {  // the oracle copies before the step; its compute stands in for the
                           // overlap
        countMove(pendingMove_.first, pendingMove_.second, compute);
    } else if (controller_ && controller_->afterStep(telemetry_)) {
        const RebalanceEvent& ev = controller_->events().back();
        countMove(ev.movedExperts, ev.movedBytes, compute);
    }
    if (controller_) {
        score_.forecasts = controller_->forecaster().observedSteps();
        score_.forecastSeconds = controller_->forecaster().busySeconds();
    }
}

}  // namespace moe
