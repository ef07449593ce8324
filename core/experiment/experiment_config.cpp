// See experiment_config.h. One table of fields (`forEachField`) drives both directions of the
// JSON form, so a field added to the struct and the table is written, read and type-checked
// alike; the JSON keys are the table's dotted paths.
#include "core/experiment/experiment_config.h"

#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "core/common/error.h"

namespace moe {

namespace {

using nlohmann::json;

constexpr const char* kFormat = "moe-workbench experiment 1";

// Every JSON field of the config, as (dotted path, member). Outputs of one particular run
// (database, loads CSV, whether to record) are left out on purpose: see experiment_config.h.
template <typename F>
void forEachField(ExperimentConfig& c, F&& f) {
    f("front_end", c.frontEnd);
    f("seed", c.seed);
    ExperimentWorkload& w = c.workload;
    f("workload.spec", w.spec);
    f("workload.batching", w.batching);
    f("workload.tokens_per_step", w.tokensPerStep);
    f("workload.batch", w.batch);
    f("workload.layers", w.layers);
    f("workload.experts", w.experts);
    f("workload.top_k", w.topK);
    f("workload.steps", w.steps);
    ExperimentModel& m = c.model;
    f("model.replay_only", m.replayOnly);
    f("model.backend", m.backend);
    f("model.device", m.device);
    f("model.ranks", m.ranks);
    f("model.threads", m.threads);
    f("model.hidden", m.hidden);
    f("model.ffn", m.ffn);
    f("model.score", m.score);
    f("model.renormalize", m.renormalize);
    f("model.capacity_factor", m.capacityFactor);
    f("model.own_gate", m.ownGate);
    f("model.share_weights", m.shareWeights);
    f("model.replicas", m.replicas);
    ExperimentPrediction& p = c.prediction;
    f("prediction.predictors", p.predictors);
    f("prediction.horizons", p.horizons);
    f("prediction.forecast_every", p.forecastEvery);
    f("prediction.warmup", p.warmup);
    f("prediction.phases", p.phases);
    f("prediction.phase.window", p.phase.window);
    f("prediction.phase.variance", p.phase.varianceThreshold);
    f("prediction.phase.range", p.phase.rangeThreshold);
    f("prediction.phase.hold", p.phase.hold);
    f("prediction.phase.smooth", p.phase.smooth);
    ExperimentRebalance& r = c.rebalance;
    f("rebalance.policy", r.policy);
    f("rebalance.predictor", r.predictor);
    f("rebalance.slots", r.slotCount);
    f("rebalance.extra_slots", r.extraSlots);
    f("rebalance.every", r.every);
    f("rebalance.threshold", r.threshold);
    f("rebalance.horizon", r.horizon);
    f("rebalance.max_moves", r.maxMoves);
    f("rebalance.migration_aware", r.migrationAware);
    f("rebalance.spare_slots_only", r.spareSlotsOnly);
    ExperimentRecording& rec = c.recording;
    f("recording.name", rec.name);
    f("recording.notes", rec.notes);
    f("recording.tags", rec.tags);
    f("recording.commit_interval", rec.commitInterval);
}

std::vector<std::string> splitPath(const std::string& path) {
    std::vector<std::string> parts;
    size_t begin = 0;
    for (size_t dot; (dot = path.find('.', begin)) != std::string::npos; begin = dot + 1)
        parts.push_back(path.substr(begin, dot - begin));
    parts.push_back(path.substr(begin));
    return parts;
}

// The value at a dotted path, or nullptr when absent. A group that is not an object throws.
const json* lookUp(const json& root, const std::string& path, const std::string& origin) {
    const json* at = &root;
    std::string walked;
    for (const std::string& part : splitPath(path)) {
        if (!at->is_object())
            throw Error(origin + ": field '" + walked + "' must be an object, not " +
                        at->type_name());
        walked += (walked.empty() ? "" : ".") + part;
        const auto it = at->find(part);
        if (it == at->end()) return nullptr;
        at = &*it;
    }
    return at;
}

[[noreturn]] void wrongType(const std::string& origin, const std::string& path, const json& v,
                            const char* expected) {
    throw Error(origin + ": field '" + path + "' must be " + expected + ", not " + v.type_name() +
                " " + v.dump().substr(0, 60));
}

template <typename T>
void readValue(const json& v, T& out, const std::string& path, const std::string& origin) {
    if constexpr (std::is_same_v<T, std::string>) {
        if (!v.is_string()) wrongType(origin, path, v, "a string");
        out = v.get<std::string>();
    } else if constexpr (std::is_same_v<T, bool>) {
        if (!v.is_boolean()) wrongType(origin, path, v, "true or false");
        out = v.get<bool>();
    } else if constexpr (std::is_floating_point_v<T>) {
        if (!v.is_number()) wrongType(origin, path, v, "a number");
        out = v.get<T>();
    } else if constexpr (std::is_integral_v<T>) {
        if (!v.is_number_integer()) wrongType(origin, path, v, "a whole number");
        bool fits = false;  // a negative number never fits an unsigned field
        if (v.is_number_unsigned()) {
            fits = v.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<T>::max());
        } else if constexpr (std::is_signed_v<T>) {
            const int64_t x = v.get<int64_t>();
            fits = x >= std::numeric_limits<T>::min() && x <= std::numeric_limits<T>::max();
        }
        if (!fits) wrongType(origin, path, v, "a whole number in range");
        out = v.is_number_unsigned() ? static_cast<T>(v.get<uint64_t>())
                                     : static_cast<T>(v.get<int64_t>());
    } else {  // a vector
        if (!v.is_array()) wrongType(origin, path, v, "a list");
        out.clear();
        for (size_t i = 0; i < v.size(); ++i) {
            typename T::value_type item{};
            readValue(v[i], item, path + "[" + std::to_string(i) + "]", origin);
            out.push_back(item);
        }
    }
}

// Leaf paths of `j` (objects walked, anything else a leaf), for the unknown-field check.
void leafPaths(const json& j, const std::string& prefix, std::vector<std::string>& out) {
    if (!j.is_object()) {
        out.push_back(prefix);
        return;
    }
    for (const auto& [key, value] : j.items())
        leafPaths(value, prefix.empty() ? key : prefix + "." + key, out);
}

}  // namespace

std::string experimentConfigJson(const ExperimentConfig& config, const std::string& facts) {
    json j;
    j["format"] = kFormat;
    ExperimentConfig copy = config;
    forEachField(copy, [&j](const std::string& path, const auto& value) {
        json* at = &j;
        for (const std::string& part : splitPath(path)) at = &(*at)[part];
        *at = value;
    });
    if (!facts.empty()) j["recorded"] = json::parse(facts);
    return j.dump();
}

ExperimentConfig parseExperimentConfig(const std::string& text, const std::string& origin) {
    const json j = json::parse(text, nullptr, false);
    if (j.is_discarded()) throw Error(origin + ": not valid JSON");
    if (!j.is_object()) throw Error(origin + ": an experiment config is a JSON object");
    if (const auto f = j.find("format"); f != j.end() && *f != kFormat)
        throw Error(origin + ": format " + f->dump() + " is not '" + kFormat + "'");
    ExperimentConfig c;
    std::set<std::string> known = {"format"};
    forEachField(c, [&](const std::string& path, auto& member) {
        known.insert(path);
        if (const json* v = lookUp(j, path, origin)) readValue(*v, member, path, origin);
    });
    std::vector<std::string> leaves;
    for (const auto& [key, value] : j.items())
        if (key != "recorded") leafPaths(value, key, leaves);
    for (const std::string& leaf : leaves)
        if (!known.count(leaf)) throw Error(origin + ": unknown field '" + leaf + "'");
    return c;
}

ExperimentConfig storedExperimentConfig(const std::string& text, const std::string& origin) {
    const json j = json::parse(text, nullptr, false);
    if (j.is_object() && !j.contains("format") && j.contains("config") && j["config"].is_object())
        return storedExperimentConfig(j["config"].dump(), origin);
    if (j.is_object() && !j.contains("format"))
        throw Error(origin +
                    " holds no re-runnable experiment config (runs recorded before configs were "
                    "stored whole lack one; `runs show` lists their settings to repeat by hand)");
    return parseExperimentConfig(text, origin);
}

void checkExperimentConfig(const ExperimentConfig& config) {
    const std::vector<std::string> problems = validateExperimentConfig(config);
    if (problems.empty()) return;
    std::string text = problems.size() == 1 ? "bad experiment config: "
                                            : "bad experiment config (" +
                                                  std::to_string(problems.size()) + " problems):";
    for (const std::string& p : problems) text += (problems.size() == 1 ? "" : "\n  ") + p;
    throw Error(text);
}

}  // namespace moe
