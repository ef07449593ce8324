// Parsing mirrors the synthetic spec (workload_factory.cpp): comma-separated key=value, each
// key once, numbers checked whole.
#include "core/train/train_spec.h"

#include <charconv>
#include <cmath>
#include <set>
#include <sstream>

#include "core/common/error.h"
#include "core/train/checkpoint.h"

namespace moe::train {
namespace {

template <typename T>
T number(const std::string& key, const std::string& value) {
    T v{};
    const char* end = value.data() + value.size();
    const auto [ptr, ec] = std::from_chars(value.data(), end, v);
    if (value.empty() || ec != std::errc() || ptr != end)
        throw Error("train workload: bad value for " + key + ": '" + value + "' (expected " +
                    (std::is_floating_point_v<T> ? "a number" : "an integer") + ")");
    if constexpr (std::is_floating_point_v<T>)
        if (!std::isfinite(v)) throw Error("train workload: " + key + " must be finite");
    return v;
}

void apply(TrainSpec& s, const std::string& key, const std::string& v) {
    TrainOptions& o = s.options;
    LmConfig& m = o.model;
    if (key == "corpus")
        o.corpus = v;
    else if (key == "sections")
        o.sections = v;
    else if (key == "steps")
        s.steps = number<int64_t>(key, v);
    else if (key == "blocks")
        m.blocks = number<int>(key, v);
    else if (key == "width")
        m.width = number<int>(key, v);
    else if (key == "heads")
        m.heads = number<int>(key, v);
    else if (key == "experts")
        m.experts = number<int>(key, v);
    else if (key == "top_k")
        m.topK = number<int>(key, v);
    else if (key == "ffn")
        m.ffn = number<int>(key, v);
    else if (key == "context")
        m.context = number<int>(key, v);
    else if (key == "score")
        m.score = parseScoreFunction(v);
    else if (key == "capacity")
        m.capacityFactor = number<double>(key, v);
    else if (key == "pregated")
        m.pregated = number<int>(key, v) != 0;
    else if (key == "batch")
        o.batch = number<int>(key, v);
    else if (key == "lr")
        o.optimizer.lr = number<double>(key, v);
    else if (key == "warmup")
        o.optimizer.warmup = number<int>(key, v);
    else if (key == "weight_decay")
        o.optimizer.weightDecay = number<double>(key, v);
    else if (key == "clip")
        o.optimizer.clip = number<double>(key, v);
    else if (key == "aux")
        o.balance = parseBalance(v);
    else if (key == "eval_every")
        o.evalEvery = number<int>(key, v);
    else if (key == "eval_windows")
        o.evalWindows = number<int>(key, v);
    else if (key == "seed")
        o.seed = number<uint64_t>(key, v);
    else if (key == "threads")
        o.threads = number<int>(key, v);
    else if (key == "resume")
        o.resume = v;
    else
        throw Error("train workload: unknown key '" + key + "' (known: " + trainSpecKeys() + ")");
}

}  // namespace

std::string trainSpecKeys() {
    return "corpus, sections, steps, blocks, width, heads, experts, top_k, ffn, context, score, "
           "capacity, pregated, batch, lr, warmup, weight_decay, clip, aux, eval_every, "
           "eval_windows, seed, "
           "threads, resume";
}

TrainSpec parseTrainSpec(const std::string& keyValues, const TrainSpec& base) {
    TrainSpec s = base;
    std::set<std::string> seen;
    std::istringstream in(keyValues);
    std::string entry;
    while (std::getline(in, entry, ',')) {
        if (entry.empty()) continue;
        const size_t eq = entry.find('=');
        if (eq == std::string::npos)
            throw Error("train workload: '" + entry + "' is not key=value");
        const std::string key = entry.substr(0, eq);
        if (!seen.insert(key).second) throw Error("train workload: key '" + key + "' given twice");
        apply(s, key, entry.substr(eq + 1));
    }
    if (s.steps < 0) throw Error("train workload: steps must be 0 (until stopped) or more");
    return s;
}

std::string describeTrainSpec(const TrainSpec& s) {
    const TrainOptions& o = s.options;
    const LmConfig& m = o.model;
    std::ostringstream d;
    d << "corpus=" << o.corpus << ",sections=" << o.sections << ",steps=" << s.steps
      << ",blocks=" << m.blocks << ",width=" << m.width << ",heads=" << m.heads
      << ",experts=" << m.experts << ",top_k=" << m.topK << ",ffn=" << m.ffn
      << ",context=" << m.context << ",score=" << toString(m.score)
      << ",capacity=" << m.capacityFactor << (m.pregated ? ",pregated=1" : "")
      << ",batch=" << o.batch << ",lr=" << o.optimizer.lr << ",warmup=" << o.optimizer.warmup
      << ",weight_decay=" << o.optimizer.weightDecay << ",clip=" << o.optimizer.clip
      << ",aux=" << toString(o.balance) << ",eval_every=" << o.evalEvery
      << ",eval_windows=" << o.evalWindows << ",seed=" << o.seed;
    d << ",threads=" << o.threads;
    if (!o.resume.empty()) d << ",resume=" << o.resume;
    return d.str();
}

}  // namespace moe::train
