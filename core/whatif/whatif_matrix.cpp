// See whatif_matrix.h. Lanes are independent, so each step is handed to all of them in
// parallel (OpenMP); the workload is read once.
#include "core/whatif/whatif_matrix.h"

#include <omp.h>

#include <algorithm>
#include <map>

#include "core/common/error.h"
#include "core/experiment/experiment_parts.h"
#include "core/experiment/workload_source.h"
#include "core/predict/predictor_factory.h"
#include "core/whatif/step_load_forecaster.h"

namespace moe {

namespace {

void checkSpec(const WhatIfSpec& s, const WorkloadShape& shape) {
    if (s.predictors.empty()) throw Error("whatif: give at least one predictor");
    if (s.policies.empty()) throw Error("whatif: give at least one policy");
    if (s.cadences.empty() && s.thresholds.empty())
        throw Error("whatif: give at least one cadence or threshold");
    for (double t : s.thresholds)
        if (!(t > 0 && t < 1))
            throw Error("whatif: threshold " + std::to_string(t) +
                        " is not a balancedness between 0 and 1");
    for (int64_t every : s.cadences)
        if (every < 1)
            throw Error("whatif: cadence " + std::to_string(every) + " is not 1 or more");
    for (const std::string& spec : s.predictors) {
        PredictorSet set;
        addPredictor(spec, shape, set);
        if (!set.load.empty() && set.load[0]->wantsFuture())
            throw Error("whatif: " + spec + " needs the future; the oracle row is always there");
        if (!set.token.empty())
            StepLoadForecaster check(spec, shape, s.ownInputCeiling);  // its own refusals
    }
    if (s.warmup < 0) throw Error("whatif: the warm-up must be 0 or more steps");
    if (s.cluster.flopRate <= 0 || s.cluster.linkGBs <= 0)
        throw Error("whatif: the FLOP rate and link bandwidth must be above 0");
    if (!(s.cluster.secondsPerCall >= 0))
        throw Error("whatif: the cost per expert call must be 0 or more");
}

struct Lanes {
    std::vector<std::unique_ptr<WhatIfLane>> all;
    std::vector<int> oracleOf;  // per lane: the index of its policy's oracle lane (-1: none)
};

// One instance per predictor, shared by its lanes: history-based load predictors (planning
// after a step for the next) and token-level ones (planning during the step).
struct Forecasters {
    std::map<std::string, std::shared_ptr<LoadForecaster>> load;
    std::map<std::string, std::shared_ptr<StepLoadForecaster>> inStep;
};

std::unique_ptr<WhatIfLane> predictorLane(const WhatIfSpec& s, const WorkloadShape& shape,
                                          const MoeLayerConfig& layer, const RebalanceOptions& o,
                                          const Forecasters& forecasters) {
    const int ranks = s.base.model.ranks;
    if (const auto step = forecasters.inStep.find(o.predictor); step != forecasters.inStep.end()) {
        auto lane = WhatIfLane::inStep(o, shape, layer, ranks, s.cluster, step->second);
        if (step->second->readsOwnLayerInput()) lane->score().predictor += kCeilingLabel;
        return lane;
    }
    const auto shared = forecasters.load.find(o.predictor);
    return WhatIfLane::predicted(o, shape, layer, ranks, s.cluster,
                                 shared == forecasters.load.end() ? nullptr : shared->second);
}

// Every schedule a lane can follow: each cadence, then each threshold (checked every step).
std::vector<std::pair<int64_t, double>> schedulesOf(const WhatIfSpec& s) {
    std::vector<std::pair<int64_t, double>> out;
    for (int64_t every : s.cadences) out.emplace_back(every, 0.0);
    for (double threshold : s.thresholds) out.emplace_back(1, threshold);
    return out;
}

// A policy's oracle, then its lane for every predictor and schedule.
void addPolicyLanes(const WhatIfSpec& s, const WorkloadShape& shape, const MoeLayerConfig& layer,
                    const std::string& policy, std::pair<bool, bool> mode,
                    const Forecasters& forecasters, Lanes& lanes) {
    const ExperimentConfig& c = s.base;
    ExperimentConfig pc = c;
    pc.rebalance.policy = policy;
    pc.rebalance.predictor = "sw_avg";
    RebalanceOptions o = rebalanceOptionsFor(pc, shape);
    o.migrationAware = mode.first;
    o.spareSlotsOnly = mode.second;
    const int oracle = static_cast<int>(lanes.all.size());
    lanes.all.push_back(WhatIfLane::oracle(o, shape, layer, c.model.ranks, s.cluster));
    lanes.oracleOf.push_back(oracle);
    for (const std::string& predictor : s.predictors)
        for (const auto& [every, threshold] : schedulesOf(s)) {
            o.predictor = predictor;
            o.every = every;
            o.threshold = threshold;
            o.horizon = c.rebalance.horizon > 0 ? c.rebalance.horizon : static_cast<int>(every);
            lanes.all.push_back(predictorLane(s, shape, layer, o, forecasters));
            lanes.oracleOf.push_back(oracle);
        }
}

// A stack's default: its window average driving EPLB at its interval, scored against EPLB's
// oracle (added when eplb is not among the policies).
void addPresetLanes(const WhatIfSpec& s, const WorkloadShape& shape, const MoeLayerConfig& layer,
                    Lanes& lanes) {
    if (s.presets.empty()) return;
    ExperimentConfig pc = s.base;
    pc.rebalance.policy = "eplb";
    pc.rebalance.predictor = "sw_avg";
    RebalanceOptions o = rebalanceOptionsFor(pc, shape);
    int oracle = -1;
    for (size_t i = 0; i < lanes.all.size(); ++i) {
        const WhatIfScore& sc = lanes.all[i]->score();
        if (sc.predictor == "oracle" && sc.policy == "eplb" && !sc.migrationAware &&
            !sc.spareSlotsOnly)
            oracle = static_cast<int>(i);
    }
    if (oracle < 0) {
        oracle = static_cast<int>(lanes.all.size());
        lanes.all.push_back(WhatIfLane::oracle(o, shape, layer, s.base.model.ranks, s.cluster));
        lanes.oracleOf.push_back(oracle);
    }
    for (const StackPreset& preset : s.presets) {
        o.predictor = "sw_avg:window=" + std::to_string(preset.window);
        o.every = preset.every;
        o.horizon = 1;  // a window average forecasts the same for every step ahead
        lanes.all.push_back(WhatIfLane::predicted(o, shape, layer, s.base.model.ranks, s.cluster));
        lanes.all.back()->score().preset = preset.name;
        lanes.oracleOf.push_back(oracle);
    }
}

// Token-level forecasters are always one per predictor (their lanes plan from the same
// forecast of the step); load ones are shared unless the spec says not to.
Forecasters makeForecasters(const WhatIfSpec& s, const WorkloadShape& shape) {
    Forecasters f;
    for (const std::string& predictor : s.predictors) {
        if (isTokenPredictorSpec(predictor, shape))
            f.inStep.try_emplace(predictor, std::make_shared<StepLoadForecaster>(
                                                predictor, shape, s.ownInputCeiling));
        else if (s.shareForecasts)
            f.load.try_emplace(predictor, std::make_shared<LoadForecaster>(predictor, shape));
    }
    return f;
}

Lanes makeLanes(const WhatIfSpec& s, const WorkloadShape& shape, const Forecasters& forecasters) {
    const ExperimentConfig& c = s.base;
    MoeLayerConfig layer;
    layer.hidden = c.model.hidden;
    layer.ffn = c.model.ffn;
    layer.experts = shape.experts;
    layer.topK = shape.topK;
    Lanes lanes;
    lanes.all.push_back(WhatIfLane::contiguous(layer, shape.layers, c.model.ranks, s.cluster));
    lanes.oracleOf.push_back(-1);
    for (const bool migrationAware : s.migrationModes)
        for (const bool spare : s.spareModes)
            for (const std::string& policy : s.policies)
                if (!(migrationAware && spare))
                    addPolicyLanes(s, shape, layer, policy, {migrationAware, spare}, forecasters,
                                   lanes);
    addPresetLanes(s, shape, layer, lanes);
    return lanes;
}

// The share of the contiguous -> oracle gap that `value` closes (0 where there is no gap).
double gapClosedOf(double contiguous, double oracle, double value) {
    const double gap = contiguous - oracle;
    return gap > 1e-12 ? (contiguous - value) / gap : 0;
}

// Each row's gap closed, over all layers and per layer, against its policy's oracle.
void fillGaps(Lanes& lanes) {
    const WhatIfScore& contiguous = lanes.all[0]->score();
    for (size_t i = 0; i < lanes.all.size(); ++i) {
        WhatIfScore& s = lanes.all[i]->score();
        s.layerGapClosed.assign(s.layerSlowestOverIdeal.size(), 0.0);
        if (lanes.oracleOf[i] < 0) continue;  // the contiguous bound: closes nothing
        const WhatIfScore& oracle = lanes.all[lanes.oracleOf[i]]->score();
        s.gapClosed =
            gapClosedOf(contiguous.slowestOverIdeal, oracle.slowestOverIdeal, s.slowestOverIdeal);
        const size_t layers =
            std::min({s.layerSlowestOverIdeal.size(), contiguous.layerSlowestOverIdeal.size(),
                      oracle.layerSlowestOverIdeal.size()});
        for (size_t l = 0; l < layers; ++l)
            s.layerGapClosed[l] =
                gapClosedOf(contiguous.layerSlowestOverIdeal[l], oracle.layerSlowestOverIdeal[l],
                            s.layerSlowestOverIdeal[l]);
    }
}

// Shared load predictors learn step t before the lanes run it, outside the lanes' parallel
// loop, so a predictor that parallelises itself (ARIMA's refits) gets every core; the lanes'
// own observe of step t is then a no-op. Their plans for step t were made at step t-1.
void observeLoads(const Forecasters& forecasters, const Step& step, const LoadMatrix& loads) {
    if (forecasters.load.empty()) return;
    StepTelemetry seen;
    seen.step = step.index;
    seen.tokens = step.tokens;
    seen.loads = loads;
    for (const auto& [name, forecaster] : forecasters.load) forecaster->observe(seen);
}

}  // namespace

StackPreset stackPreset(const std::string& name) {
    if (name == "vllm") return {"vllm", 1000, 3000};
    if (name == "sglang") return {"sglang", 1000, 1000};
    throw Error("whatif: no preset '" + name + "' (known: vllm, sglang)");
}

WhatIfResult runWhatIf(const WhatIfSpec& spec, const std::function<void(int64_t)>& progress,
                       const std::atomic<bool>* stop) {
    checkExperimentConfig(spec.base);
    auto workload = openWorkload(workloadOptionsFor(spec.base));
    const WorkloadShape shape = workload->shape();
    checkSpec(spec, shape);
    const Forecasters forecasters = makeForecasters(spec, shape);
    Lanes lanes = makeLanes(spec, shape, forecasters);
    for (auto& lane : lanes.all) lane->setWarmup(spec.warmup);
    WhatIfResult result;
    result.workload = workload->describe();
    result.ranks = spec.base.model.ranks;
    result.warmup = spec.warmup;
    result.layers = shape.layers;
    result.experts = shape.experts;
    Step step;
    LoadMatrix loads(shape.layers, shape.experts);
    const int threads = spec.threads > 0 ? spec.threads : omp_get_max_threads();
    const int n = static_cast<int>(lanes.all.size());
    const int64_t limit = spec.base.workload.steps;
    while ((limit <= 0 || result.steps < limit) && !(stop && *stop) && workload->next(step)) {
        loads.clear();
        loads.accumulate(step, shape.topK);
        observeLoads(forecasters, step, loads);
        std::string failure;
#pragma omp parallel for schedule(dynamic) num_threads(threads)
        for (int i = 0; i < n; ++i) {
            try {
                lanes.all[i]->step(step, loads);
            } catch (const std::exception& e) {
#pragma omp critical
                failure = e.what();
            }
        }
        if (!failure.empty()) throw Error("whatif: " + failure);
        // Token-level predictors learn from the step only after every lane planned it.
        for (const auto& [name, forecaster] : forecasters.inStep) forecaster->observe(step);
        ++result.steps;
        if (progress) progress(result.steps);
    }
    fillGaps(lanes);
    for (const auto& lane : lanes.all) result.rows.push_back(lane->score());
    return result;
}

}  // namespace moe
