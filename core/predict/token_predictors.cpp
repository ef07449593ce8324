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

FrequencyTokenPredictor::FrequencyTokenPredictor(Key key, const WorkloadShape& shape, double decay)
    : key_(key),
      layers_(shape.layers),
      experts_(shape.experts),
      topK_(shape.topK),
      decay_(decay),
      global_(shape.layers, Counts{std::vector<double>(shape.experts, 0.0),
                                   std::vector<double>(shape.experts, 0.0)}),
      byKey_(shape.layers) {
    checkShape(shape);
    if (!(decay > 0 && decay <= 1))
        throw Error(name() + ": decay must be in (0, 1], got " + std::to_string(decay));
}

std::string FrequencyTokenPredictor::parameters() const {
    if (decay_ == 1) return "";
    std::ostringstream out;
    out << "decay=" << decay_;
    return out.str();
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

const FrequencyTokenPredictor::Counts& FrequencyTokenPredictor::countsFor(const Step& step,
                                                                          int layer, int t) const {
    if (key_ == Key::None) return global_[layer];
    const auto it = byKey_[layer].find(keyOf(step, t));
    return it != byKey_[layer].end() ? it->second : global_[layer];  // unseen keys: global
}

void FrequencyTokenPredictor::predict(const Step& step, int layer, int32_t* ids) {
    for (int t = 0; t < step.tokens; ++t)
        topK(countsFor(step, layer, t).ranked, ids + static_cast<size_t>(t) * topK_);
}

void FrequencyTokenPredictor::predictLoad(const Step& step, int layer, const WorkloadShape&,
                                          double* load) {
    std::fill(load, load + experts_, 0.0);
    const std::vector<double>& layerPairs = global_[layer].pairs;
    const double layerSum = std::accumulate(layerPairs.begin(), layerPairs.end(), 0.0);
    const double prior = boost_;  // one pair, in the stored units
    for (int t = 0; t < step.tokens; ++t) {
        const Counts& c = countsFor(step, layer, t);
        const bool own = &c != &global_[layer];
        const double sum = own ? std::accumulate(c.pairs.begin(), c.pairs.end(), 0.0) : 0.0;
        for (int e = 0; e < experts_; ++e) {
            const double share = layerSum > 0 ? layerPairs[e] / layerSum : 1.0 / experts_;
            const double expected = own ? (c.pairs[e] + prior * share) / (sum + prior) : share;
            load[e] += topK_ * expected;
        }
    }
}

void FrequencyTokenPredictor::rescale() {
    auto scale = [this](Counts& c) {
        for (double& v : c.pairs) v /= boost_;
        for (double& v : c.ranked) v /= boost_;
    };
    for (int l = 0; l < layers_; ++l) {
        scale(global_[l]);
        for (auto& [key, counts] : byKey_[l]) scale(counts);
    }
    boost_ = 1;
}

void FrequencyTokenPredictor::observe(const Step& step) {
    if (decay_ < 1) {
        boost_ /= decay_;
        if (boost_ > 1e200) rescale();
    }
    for (int l = 0; l < layers_; ++l) {
        const auto ids = step.layerExperts(l, topK_);
        for (int t = 0; t < step.tokens; ++t) {
            Counts* keyed = nullptr;
            if (key_ != Key::None) {
                Counts& c = byKey_[l][keyOf(step, t)];
                if (c.pairs.empty())
                    c = {std::vector<double>(experts_, 0.0), std::vector<double>(experts_, 0.0)};
                keyed = &c;
            }
            for (int j = 0; j < topK_; ++j) {
                const int32_t e = ids[static_cast<size_t>(t) * topK_ + j];
                const double ranked = boost_ * (topK_ - j);
                global_[l].pairs[e] += boost_;
                global_[l].ranked[e] += ranked;
                if (keyed) {
                    keyed->pairs[e] += boost_;
                    keyed->ranked[e] += ranked;
                }
            }
        }
    }
}

}  // namespace moe
