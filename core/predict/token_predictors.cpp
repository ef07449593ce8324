// See token_predictors.h. Ties between equally frequent experts go to the lowest id, as in
// the layer's own top-k, so predictions are deterministic.
#include "core/predict/token_predictors.h"

#include <algorithm>
#include <numeric>
#include <sstream>

#include "core/common/error.h"

namespace moe {

void TokenPredictor::checkShape(const WorkloadShape&) const {}

void TokenPredictor::predictLoad(const Step& step, int layer, const WorkloadShape& shape,
                                 double* load) {
    std::vector<int32_t> ids(static_cast<size_t>(step.tokens) * shape.topK);
    predict(step, layer, ids.data());
    std::fill(load, load + shape.experts, 0.0);
    for (int32_t e : ids)
        if (e >= 0 && e < shape.experts) load[e] += 1;
}

TokenDistributionPredictor::TokenDistributionPredictor(const WorkloadShape& shape)
    : layers_(shape.layers),
      experts_(shape.experts),
      topK_(shape.topK),
      scratch_(static_cast<size_t>(shape.experts)) {}

void TokenDistributionPredictor::predict(const Step& step, int layer, int32_t* ids) {
    for (int t = 0; t < step.tokens; ++t) {
        tokenDistribution(step, layer, t, scratch_.data());
        int32_t* out = ids + static_cast<size_t>(t) * topK_;
        for (int j = 0; j < topK_; ++j) {
            int best = -1;
            for (int e = 0; e < experts_; ++e) {
                if (std::find(out, out + j, e) != out + j) continue;
                if (best < 0 || scratch_[e] > scratch_[best]) best = e;
            }
            out[j] = best;
        }
    }
}

void TokenDistributionPredictor::predictLoad(const Step& step, int layer, const WorkloadShape&,
                                             double* load) {
    std::fill(load, load + experts_, 0.0);
    for (int t = 0; t < step.tokens; ++t) {
        tokenDistribution(step, layer, t, scratch_.data());
        for (int e = 0; e < experts_; ++e) load[e] += scratch_[e];
    }
}

Step routingKnownBefore(const Step& step, int layer, const WorkloadShape& shape) {
    Step known = step;
    const size_t T = static_cast<size_t>(step.tokens), l = static_cast<size_t>(layer);
    known.experts = step.experts.first(std::min(step.experts.size(), l * T * shape.topK));
    if (!step.weights.empty())
        known.weights = step.weights.first(std::min(step.weights.size(), l * T * shape.topK));
    if (!step.hidden.empty())
        known.hidden = step.hidden.first(std::min(step.hidden.size(), l * T * shape.hiddenDim));
    return known;
}

FrequencyTokenPredictor::FrequencyTokenPredictor(Key key, const WorkloadShape& shape, double decay,
                                                 int context)
    : key_(key),
      context_(context),
      layers_(shape.layers),
      experts_(shape.experts),
      topK_(shape.topK),
      decay_(decay),
      global_(shape.layers, Counts{std::vector<double>(shape.experts, 0.0),
                                   std::vector<double>(shape.experts, 0.0)}) {
    if (context < 0 || context > kMaxContext || (context > 0 && key != Key::TokenId))
        throw Error("t2e_ngram: n must be 1 to " + std::to_string(kMaxContext + 1) + ", got " +
                    std::to_string(context + 1));
    checkShape(shape);
    if (!(decay > 0 && decay <= 1))
        throw Error(name() + ": decay must be in (0, 1], got " + std::to_string(decay));
    if (key != Key::None) keyed_.assign(context + 1, std::vector<Table>(shape.layers));
}

std::string FrequencyTokenPredictor::parameters() const {
    std::ostringstream out;
    if (context_ > 0) out << "n=" << context_ + 1;
    if (decay_ != 1) out << (context_ > 0 ? "," : "") << "decay=" << decay_;
    return out.str();
}

std::string FrequencyTokenPredictor::name() const {
    switch (key_) {
        case Key::Position:
            return "t2e_position";
        case Key::TokenId:
            return context_ > 0 ? "t2e_ngram" : "t2e_token";
        default:
            return "t2e_freq";
    }
}

void FrequencyTokenPredictor::checkShape(const WorkloadShape& shape) const {
    if (key_ == Key::Position && !shape.hasPositions)
        throw Error(name() + " needs token positions, and this workload has none");
    if (key_ == Key::TokenId && !shape.hasTokenIds)
        throw Error(name() +
                    " needs token ids, and this workload has none (a routing trace carries "
                    "expert ids only; the live training workload has token ids)");
    if (context_ > 0 && !(shape.hasPositions && shape.hasSequenceIds))
        throw Error(name() + " needs token positions and sequence ids to find the tokens before");
}

int earlierTokenIndex(const Step& step, int t, int back) {
    const int u = t - back;
    if (u < 0 || step.positions[t] < back) return -1;
    const bool held =
        step.sequenceIds[u] == step.sequenceIds[t] && step.positions[u] == step.positions[t] - back;
    return held ? u : -1;
}

int64_t earlierTokenId(const Step& step, int t, int back) {
    const int u = earlierTokenIndex(step, t, back);
    return u >= 0 ? step.tokenIds[u] : -1;
}

namespace {
// splitmix64's finaliser: mixes a context's ids into one table key.
uint64_t mixed(uint64_t h, int64_t id) {
    h ^= static_cast<uint64_t>(id) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
    return h ^ (h >> 31);
}
}  // namespace

void FrequencyTokenPredictor::computeKeys(const Step& step) {
    const size_t levels = keyed_.size();
    keys_.resize(static_cast<size_t>(step.tokens) * levels);
    held_.resize(keys_.size());
    for (int t = 0; t < step.tokens && levels > 0; ++t) {
        uint64_t* keys = keys_.data() + static_cast<size_t>(t) * levels;
        uint8_t* held = held_.data() + static_cast<size_t>(t) * levels;
        held[0] = 1;
        if (key_ == Key::Position) {
            keys[0] = static_cast<uint64_t>(step.positions[t]);
            continue;
        }
        keys[0] = static_cast<uint32_t>(step.tokenIds[t]);  // the id alone: exact
        // With ids before it: hashed, one more id a level (a collision merges two contexts'
        // counts, nothing worse).
        uint64_t h = mixed(0, static_cast<uint32_t>(step.tokenIds[t]));
        for (size_t back = 1; back < levels; ++back) {
            const int64_t id = earlierTokenId(step, t, static_cast<int>(back));
            h = mixed(h, id);
            keys[back] = h;
            held[back] = id >= 0;
        }
    }
}

void FrequencyTokenPredictor::topK(const std::vector<double>& ranked, int32_t* ids) const {
    for (int j = 0; j < topK_; ++j) {
        int best = -1;
        for (int e = 0; e < experts_; ++e) {
            if (std::find(ids, ids + j, e) != ids + j) continue;
            if (best < 0 || ranked[e] > ranked[best]) best = e;
        }
        ids[j] = best;
    }
}

int FrequencyTokenPredictor::tablesFor(int layer, int t, const Counts** out) const {
    int n = 0;
    const size_t levels = keyed_.size(), first = static_cast<size_t>(t) * levels;
    for (size_t level = levels; level-- > 0;) {
        if (!held_[first + level]) continue;
        const Table& table = keyed_[level][layer];
        const auto it = table.find(keys_[first + level]);
        if (it != table.end()) out[n++] = &it->second;
    }
    out[n++] = &global_[layer];
    return n;
}

void FrequencyTokenPredictor::predict(const Step& step, int layer, int32_t* ids) {
    const Counts* tables[kMaxContext + 2];
    computeKeys(step);
    for (int t = 0; t < step.tokens; ++t) {
        tablesFor(layer, t, tables);
        topK(tables[0]->ranked, ids + static_cast<size_t>(t) * topK_);
    }
}

void FrequencyTokenPredictor::predictLoad(const Step& step, int layer, const WorkloadShape&,
                                          double* load) {
    std::fill(load, load + experts_, 0.0);
    const std::vector<double>& layerPairs = global_[layer].pairs;
    const double layerSum = std::accumulate(layerPairs.begin(), layerPairs.end(), 0.0);
    const double prior = boost_;  // one pair, in the stored units
    std::vector<double> expected(experts_);
    const Counts* tables[kMaxContext + 2];
    computeKeys(step);
    for (int t = 0; t < step.tokens; ++t) {
        const int n = tablesFor(layer, t, tables);
        for (int e = 0; e < experts_; ++e)
            expected[e] = layerSum > 0 ? layerPairs[e] / layerSum : 1.0 / experts_;
        // From the coarsest keyed table to the finest, each smoothed toward the one after it.
        for (int level = n - 2; level >= 0; --level) {
            const Counts& c = *tables[level];
            const double sum = std::accumulate(c.pairs.begin(), c.pairs.end(), 0.0);
            for (int e = 0; e < experts_; ++e)
                expected[e] = (c.pairs[e] + prior * expected[e]) / (sum + prior);
        }
        for (int e = 0; e < experts_; ++e) load[e] += topK_ * expected[e];
    }
}

void FrequencyTokenPredictor::rescale() {
    auto scale = [this](Counts& c) {
        for (double& v : c.pairs) v /= boost_;
        for (double& v : c.ranked) v /= boost_;
    };
    for (int l = 0; l < layers_; ++l) scale(global_[l]);
    for (auto& level : keyed_)
        for (Table& table : level)
            for (auto& [key, counts] : table) scale(counts);
    boost_ = 1;
}

void FrequencyTokenPredictor::count(Counts& c, const int32_t* ids) {
    if (c.pairs.empty())
        c = {std::vector<double>(experts_, 0.0), std::vector<double>(experts_, 0.0)};
    for (int j = 0; j < topK_; ++j) {
        c.pairs[ids[j]] += boost_;
        c.ranked[ids[j]] += boost_ * (topK_ - j);
    }
}

void FrequencyTokenPredictor::observe(const Step& step) {
    if (decay_ < 1) {
        boost_ /= decay_;
        if (boost_ > 1e200) rescale();
    }
    computeKeys(step);
    const size_t levels = keyed_.size();
    for (int l = 0; l < layers_; ++l) {
        const auto ids = step.layerExperts(l, topK_);
        for (int t = 0; t < step.tokens; ++t) {
            const int32_t* chosen = ids.data() + static_cast<size_t>(t) * topK_;
            count(global_[l], chosen);
            const size_t first = static_cast<size_t>(t) * levels;
            for (size_t level = 0; level < levels; ++level)
                if (held_[first + level]) count(keyed_[level][l][keys_[first + level]], chosen);
        }
    }
}

}  // namespace moe
