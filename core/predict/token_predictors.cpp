// See token_predictors.h. Ties between equally frequent experts go to the lowest id, as in
// the layer's own top-k, so predictions are deterministic.
#include "core/predict/token_predictors.h"

#include <algorithm>

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

FrequencyTokenPredictor::FrequencyTokenPredictor(Key key, const WorkloadShape& shape)
    : key_(key),
      layers_(shape.layers),
      experts_(shape.experts),
      topK_(shape.topK),
      global_(shape.layers, std::vector<int64_t>(shape.experts, 0)),
      byKey_(shape.layers) {
    checkShape(shape);
}

std::string FrequencyTokenPredictor::name() const {
    switch (key_) {
        case Key::Position:
            return "t2e_position";
        case Key::TokenId:
            return "t2e_token";
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
}

int32_t FrequencyTokenPredictor::keyOf(const Step& step, int t) const {
    if (key_ == Key::Position) return step.positions[t];
    if (key_ == Key::TokenId) return step.tokenIds[t];
    return 0;
}

void FrequencyTokenPredictor::topK(const std::vector<int64_t>& counts, int32_t* ids) const {
    for (int j = 0; j < topK_; ++j) {
        int best = -1;
        for (int e = 0; e < experts_; ++e) {
            if (std::find(ids, ids + j, e) != ids + j) continue;
            if (best < 0 || counts[e] > counts[best]) best = e;
        }
        ids[j] = best;
    }
}

const std::vector<int64_t>& FrequencyTokenPredictor::countsFor(const Step& step, int layer,
                                                               int t) const {
    if (key_ == Key::None) return global_[layer];
    const auto it = byKey_[layer].find(keyOf(step, t));
    return it != byKey_[layer].end() ? it->second : global_[layer];  // unseen keys: global
}

void FrequencyTokenPredictor::predict(const Step& step, int layer, int32_t* ids) {
    for (int t = 0; t < step.tokens; ++t)
        topK(countsFor(step, layer, t), ids + static_cast<size_t>(t) * topK_);
}

// Each token's k pairs spread over its key's (rank-weighted) distribution; uniform before any
// step was seen.
void FrequencyTokenPredictor::predictLoad(const Step& step, int layer, const WorkloadShape&,
                                          double* load) {
    std::fill(load, load + experts_, 0.0);
    for (int t = 0; t < step.tokens; ++t) {
        const std::vector<int64_t>& counts = countsFor(step, layer, t);
        int64_t sum = 0;
        for (int64_t c : counts) sum += c;
        for (int e = 0; e < experts_; ++e)
            load[e] += sum > 0 ? topK_ * static_cast<double>(counts[e]) / static_cast<double>(sum)
                               : static_cast<double>(topK_) / experts_;
    }
}

void FrequencyTokenPredictor::observe(const Step& step) {
    for (int l = 0; l < layers_; ++l) {
        const auto ids = step.layerExperts(l, topK_);
        for (int t = 0; t < step.tokens; ++t) {
            std::vector<int64_t>* keyed = nullptr;
            if (key_ != Key::None) {
                auto& v = byKey_[l][keyOf(step, t)];
                if (v.empty()) v.assign(experts_, 0);
                keyed = &v;
            }
            for (int j = 0; j < topK_; ++j) {
                // Rank-weighted: the router's first choice counts k, the last 1, so the table
                // also knows which expert tends to come first, not only which co-occur.
                const int32_t e = ids[static_cast<size_t>(t) * topK_ + j];
                const int64_t w = topK_ - j;
                global_[l][e] += w;
                if (keyed) (*keyed)[e] += w;
            }
        }
    }
}

}  // namespace moe
