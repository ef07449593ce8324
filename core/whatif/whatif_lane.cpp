// See whatif_lane.h.
#include "core/whatif/whatif_lane.h"

#include <algorithm>

#include "core/balance/policy_factory.h"

namespace moe {

WhatIfLane::WhatIfLane(const MoeLayerConfig& layer, int layers, int ranks,
                       const WhatIfCluster& cluster)
    : cluster_(cluster), placement_(layer, layers, ranks, {}) {}

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
    lane->score_.predictor = o.predictor;
    lane->score_.policy = o.policy;
    lane->score_.every = o.every;
    lane->score_.migrationAware = o.migrationAware;
    return lane;
}

std::unique_ptr<WhatIfLane> WhatIfLane::oracle(const RebalanceOptions& options,
                                               const WorkloadShape& shape,
                                               const MoeLayerConfig& layer, int ranks,
                                               const WhatIfCluster& cluster) {
    std::unique_ptr<WhatIfLane> lane(new WhatIfLane(layer, shape.layers, ranks, cluster));
    lane->policy_ = makePolicy(options.policy);
    lane->options_ = options;
    lane->shape_ = shape;
    if (lane->policy_->needsTransitions())
        lane->transitions_ = TransitionCounts(shape.layers, shape.experts);
    lane->score_.predictor = "oracle";
    lane->score_.policy = options.policy;
    lane->score_.every = 1;
    lane->score_.migrationAware = options.migrationAware;
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

// The oracle's plan for step t, from step t's own loads: what no system can know in time.
void WhatIfLane::planFromTruth(const Step& step, const LoadMatrix& loads) {
    std::vector<double> load(loads.all().begin(), loads.all().end());
    std::vector<double> transitions;
    if (policy_->needsTransitions()) {
        transitions_.clear();
        transitions_.accumulate(step, shape_.topK);
        transitions = transitions_.values();
    }
    const Placement current = placement_.placement();
    const PolicyResult r =
        planPlacement(*policy_, load, current, options_, placement_.layerConfig(),
                      static_cast<double>(step.tokens) * shape_.topK,
                      transitions.empty() ? nullptr : &transitions);
    placement_.setPlacement(r.placement);
    int moved = 0;
    for (int m : r.movedExperts) moved += m;
    pendingMove_ = {moved, r.movedBytes};
}

double WhatIfLane::scoreStep(const StepTelemetry& t) {
    const MoeLayerConfig& lc = placement_.layerConfig();
    double compute = 0;
    for (int l = 0; l < t.layers; ++l) {
        int64_t pairs = 0, slowest = 0;
        for (int r = 0; r < t.ranks; ++r) {
            pairs += t.rankRowsAt(l, r);
            slowest = std::max(slowest, t.rankRowsAt(l, r));
        }
        compute += 6.0 * lc.hidden * lc.ffn * static_cast<double>(slowest) / cluster_.flopRate;
        if (pairs == 0) continue;
        slowestSum_ += static_cast<double>(slowest) * t.ranks / static_cast<double>(pairs);
        ++slowestCount_;
    }
    score_.slowestOverIdeal = slowestCount_ ? slowestSum_ / slowestCount_ : 0;
    score_.computeSeconds += compute;
    ++score_.steps;
    return compute;
}

void WhatIfLane::step(const Step& step, const LoadMatrix& loads) {
    if (policy_) planFromTruth(step, loads);
    placement_.replay(step, loads, telemetry_);
    const double compute = scoreStep(telemetry_);
    if (policy_) {  // the oracle copies before the step; this step's compute stands in for the
                    // overlap
        countMove(pendingMove_.first, pendingMove_.second, compute);
    } else if (controller_ && controller_->afterStep(telemetry_)) {
        const RebalanceEvent& ev = controller_->events().back();
        countMove(ev.movedExperts, ev.movedBytes, compute);
    }
    if (controller_) {
        score_.forecasts = controller_->forecasts();
        score_.forecastSeconds = controller_->forecastSeconds();
    }
}

}  // namespace moe
