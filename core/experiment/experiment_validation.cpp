// See experiment_config.h: the one place an experiment config is checked, so the CLI, the GUI
// and a stored run's JSON get the same messages. Each check names its field by the JSON path.
// Predictor and policy specs are parsed here for real (against a nominal shape that carries
// every extra), so a typo is caught before a workload is opened or anything is recorded.
#include <cmath>
#include <filesystem>
#include <set>

#include "core/balance/policy_factory.h"
#include "core/common/error.h"
#include "core/common/resource_limits.h"
#include "core/experiment/experiment_config.h"
#include "core/predict/predictor_factory.h"

namespace moe {

namespace {

// A shape with every extra a workload can carry: specs are checked for their own sake here;
// whether the actual workload carries what a predictor needs is checked when it opens.
WorkloadShape nominalShape() {
    WorkloadShape s;
    s.layers = 2;
    s.experts = 8;
    s.topK = 2;
    s.hasWeights = s.hasSequenceIds = s.hasPositions = s.hasTokenIds = true;
    s.hiddenDim = 16;
    return s;
}

class Problems {
public:
    void check(bool ok, const std::string& field, const std::string& problem) {
        if (!ok) list.push_back(field + ": " + problem);
    }
    template <typename T>
    void range(T v, T lo, T hi, const std::string& field) {
        check(v >= lo && v <= hi, field,
              std::to_string(v) + " is outside " + std::to_string(lo) + ".." + std::to_string(hi));
    }
    std::vector<std::string> list;
};

void validateWorkload(const ExperimentWorkload& w, Problems& p) {
    const std::string& s = w.spec;
    // A bare path (a recording of another stack, or a native trace) is told by its content.
    const bool barePath = s.find(':') == std::string::npos && std::filesystem::exists(s);
    const bool known = s.rfind("trace:", 0) == 0 || s.rfind("import:", 0) == 0 || barePath ||
                       s == "synthetic" || s.rfind("synthetic:", 0) == 0 || s == "train" ||
                       s.rfind("train:", 0) == 0;
    p.check(known, "workload.spec",
            "'" + s.substr(0, 80) +
                "' is no file or folder, nor trace:PATH, trace:gpt-oss-20b, import:PATH, "
                "synthetic:... or train:...");
    static const std::set<std::string> batchings = {"tokens", "sequence", "continuous", "recorded"};
    p.check(batchings.count(w.batching) > 0, "workload.batching",
            "'" + w.batching.substr(0, 40) + "' is not tokens, sequence, continuous or recorded");
    p.range(w.tokensPerStep, 1, limits::kTokensPerStep, "workload.tokens_per_step");
    p.range(w.batch, 1, limits::kTokensPerStep, "workload.batch");
    p.range(w.layers, 0, limits::kLayers, "workload.layers");
    p.range(w.experts, 0, limits::kExperts, "workload.experts");
    p.range(w.topK, 0, limits::kTopK, "workload.top_k");
    p.check(w.steps >= 0, "workload.steps", "must be 0 (the whole workload) or more");
}

void validateModel(const ExperimentModel& m, Problems& p) {
    p.check(m.backend == "cpu" || m.backend == "cuda", "model.backend",
            "'" + m.backend.substr(0, 40) + "' is not cpu or cuda");
    p.check(m.device >= -1, "model.device", "must be a device number, or -1 to spread ranks");
    p.range(m.ranks, 1, limits::kRanks, "model.ranks");
    p.range(m.threads, 0, 1024, "model.threads");
    p.range(m.hidden, 1, limits::kHidden, "model.hidden");
    p.range(m.ffn, 1, limits::kFfn, "model.ffn");
    p.check(m.score == "softmax" || m.score == "sigmoid", "model.score",
            "'" + m.score.substr(0, 40) + "' is not softmax or sigmoid");
    p.check(std::isfinite(m.capacityFactor) && m.capacityFactor >= 0, "model.capacity_factor",
            "must be 0 (unlimited) or more");
    p.check(!(m.replayOnly && m.ownGate), "model.own_gate",
            "a replay-only run has no gate of its own: it follows the workload's routing");
}

void validatePrediction(const ExperimentPrediction& pr, Problems& p) {
    const WorkloadShape shape = nominalShape();
    for (size_t i = 0; i < pr.predictors.size(); ++i) {
        const std::string field = "prediction.predictors[" + std::to_string(i) + "]";
        try {
            PredictorSet set;
            addPredictor(pr.predictors[i], shape, set);
        } catch (const Error& e) {
            p.check(false, field, e.what());
        }
    }
    p.check(!pr.horizons.empty(), "prediction.horizons", "give at least one, e.g. [1, 10]");
    for (size_t i = 0; i < pr.horizons.size(); ++i)
        p.range(pr.horizons[i], 1, 100000, "prediction.horizons[" + std::to_string(i) + "]");
    p.range(pr.forecastEvery, 1, 1000000, "prediction.forecast_every");
    p.check(pr.warmup >= 0, "prediction.warmup", "must be 0 or more");
    if (!pr.phases) return;
    PhaseOptions phase = pr.phase;
    p.check(phase.smooth >= 0, "prediction.phase.smooth", "must be 0 (automatic) or more");
    phase.smooth = std::max(1, phase.smooth);
    try {
        phase.validate();
    } catch (const Error& e) {
        p.check(false, "prediction.phase", e.what());
    }
}

void validateRebalance(const ExperimentConfig& c, Problems& p) {
    const ExperimentRebalance& r = c.rebalance;
    if (!r.enabled()) return;
    try {
        makePolicy(r.policy);
    } catch (const Error& e) {
        p.check(false, "rebalance.policy", e.what());
    }
    try {
        rebalancePredictorSpec(c);
    } catch (const Error& e) {
        p.check(false, "rebalance.predictor", e.what());
    }
    p.range(r.slotCount, 0, limits::kSlots, "rebalance.slots");
    p.range(r.extraSlots, 0, limits::kSlots, "rebalance.extra_slots");
    p.check(r.slotCount == 0 || r.extraSlots == 0, "rebalance.extra_slots",
            "give slots or extra_slots, not both");
    p.check(r.every >= 1, "rebalance.every", "must be 1 step or more");
    p.check(r.threshold >= 0 && r.threshold <= 1, "rebalance.threshold",
            "must be from 0 (always) to 1");
    p.range(r.horizon, 1, 100000, "rebalance.horizon");
    p.check(r.maxMoves >= -1, "rebalance.max_moves", "must be -1 (no limit) or more");
}

}  // namespace

std::string rebalancePredictorSpec(const ExperimentConfig& c) {
    const WorkloadShape shape = nominalShape();
    auto isLoad = [&shape](const std::string& spec) {
        PredictorSet set;
        addPredictor(spec, shape, set);
        return set.load.size() == 1;
    };
    auto nameOf = [](const std::string& spec) { return spec.substr(0, spec.find(':')); };
    const std::string& wanted = c.rebalance.predictor;
    std::string chosen;
    if (wanted.empty()) {
        for (const std::string& spec : c.prediction.predictors)
            if (chosen.empty() && isLoad(spec)) chosen = spec;
        if (chosen.empty()) chosen = "sw_avg";
    } else {
        int byName = 0;
        for (const std::string& spec : c.prediction.predictors)
            if (nameOf(spec) == wanted && wanted.find(':') == std::string::npos) {
                chosen = spec;
                ++byName;
            }
        // An exact spec, or none or several of that name: the spec itself.
        if (byName != 1) chosen = wanted;
    }
    if (!isLoad(chosen))
        throw Error("'" + chosen +
                    "' is a token-to-expert predictor; a rebalance plans the steps ahead from "
                    "a load forecast, so name a load predictor");
    PredictorSet set;
    addPredictor(chosen, shape, set);
    if (set.load[0]->wantsFuture())
        throw Error("the oracle cannot drive a live run: it needs the future");
    return chosen;
}

std::vector<std::string> validateExperimentConfig(const ExperimentConfig& c) {
    Problems p;
    static const std::set<std::string> frontEnds = {"run", "predict", "gui", "whatif"};
    p.check(frontEnds.count(c.frontEnd) > 0, "front_end",
            "'" + c.frontEnd.substr(0, 40) + "' is not run, predict, gui or whatif");
    validateWorkload(c.workload, p);
    validateModel(c.model, p);
    validatePrediction(c.prediction, p);
    validateRebalance(c, p);
    p.check(c.recording.commitInterval >= 0.001 && c.recording.commitInterval <= 3600,
            "recording.commit_interval", "must be from 0.001 to 3600 seconds");
    return p.list;
}

}  // namespace moe
