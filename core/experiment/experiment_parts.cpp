// See experiment_parts.h.
#include "core/experiment/experiment_parts.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/comm/communicator.h"

namespace moe {

WorkloadOptions workloadOptionsFor(const ExperimentConfig& c) {
    const ExperimentWorkload& w = c.workload;
    WorkloadOptions o;
    o.spec = w.spec;
    o.batching = parseBatching(w.batching);
    o.tokensPerStep = w.tokensPerStep;
    o.batch = w.batch;
    o.maxSteps = w.steps;
    o.seed = c.seed;
    if (w.layers > 0) o.layers = w.layers;
    if (w.experts > 0) o.experts = w.experts;
    if (w.topK > 0) o.topK = w.topK;
    return o;
}

int engineThreadsFor(const ExperimentModel& m, const ExperimentEnvironment& env) {
    if (!env.communicator) return m.threads;
    const int machine = m.threads > 0
                            ? m.threads
                            : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    return std::max(1, machine / std::max(1, env.localRanks));
}

EngineConfig engineConfigFor(const ExperimentConfig& c, const ExperimentEnvironment& env) {
    const ExperimentModel& m = c.model;
    EngineConfig e;
    e.layer.hidden = m.hidden;
    e.layer.ffn = m.ffn;
    e.layer.score = parseScoreFunction(m.score);
    e.layer.renormalize = m.renormalize;
    e.layer.capacityFactor = m.capacityFactor;
    e.ranks = m.ranks;
    e.threads = engineThreadsFor(m, env);
    e.seed = c.seed;
    e.forcedRouting = !m.ownGate;
    e.shareWeights = m.shareWeights;
    e.replicas = m.replicas;
    e.communicator = env.communicator;
    return e;
}

RebalanceOptions rebalanceOptionsFor(const ExperimentConfig& c, const WorkloadShape& shape) {
    const ExperimentRebalance& r = c.rebalance;
    RebalanceOptions o;
    o.policy = r.policy;
    o.predictor = rebalancePredictorSpec(c);
    o.slots = r.slotCount > 0 ? r.slotCount : r.extraSlots > 0 ? shape.experts + r.extraSlots : 0;
    o.every = r.every;
    o.threshold = r.threshold;
    o.horizon = r.horizon;
    o.maxMoves = r.maxMoves;
    o.migrationAware = r.migrationAware;
    o.spareSlotsOnly = r.spareSlotsOnly;
    return o;
}

std::string defaultRunName(const ExperimentConfig& c) {
    if (c.frontEnd == "predict") return "predict " + c.workload.spec;
    if (c.frontEnd == "gui") return "gui: " + c.workload.spec;
    return c.workload.spec;
}

std::string runFactsJson(const WorkloadShape& shape, int ranks, const BackendSelection& backend,
                         const ExperimentEnvironment& env) {
    nlohmann::json j;
    j["layers"] = shape.layers;
    j["experts"] = shape.experts;
    j["top_k"] = shape.topK;
    j["ranks"] = ranks;
    j["backend"] = backend.used;
    if (!backend.note.empty()) j["backend_note"] = backend.note;
    if (!backend.devicesJson.empty()) j["devices"] = nlohmann::json::parse(backend.devicesJson);
    if (env.communicator)
        j["mpi"] = {{"processes", env.communicator->size()}, {"hosts", env.hosts}};
    return j.dump();
}

}  // namespace moe
