// See affinity_predictor.h. Flow is counted as TransitionCounts does (each of a token's k x k
// layer-to-layer pairs weighs 1/k), so a row normalised by its sum is the share of expert i's
// pairs that go on to each expert of the next layer.
#include "core/predict/affinity_predictor.h"

#include <algorithm>

#include "core/common/error.h"

namespace moe {

AffinityPredictor::AffinityPredictor(const WorkloadShape& shape, double decay)
    : TokenDistributionPredictor(shape),
      decay_(decay),
      flow_(static_cast<size_t>(std::max(0, shape.layers - 1)) * shape.experts * shape.experts),
      outflow_(static_cast<size_t>(std::max(0, shape.layers - 1)) * shape.experts),
      firstLayer_(FrequencyTokenPredictor::Key::None, shape) {
    if (!(decay > 0 && decay <= 1)) throw Error("affinity: decay must be in (0, 1]");
}

std::string AffinityPredictor::parameters() const { return "decay=" + std::to_string(decay_); }

void AffinityPredictor::tokenDistribution(const Step& step, int layer, int t, double* out) {
    if (layer == 0) {
        Step one = step;  // the frequency table's distribution, for one token
        one.tokens = 1;
        WorkloadShape shape;
        shape.layers = layers_;
        shape.experts = experts_;
        shape.topK = topK_;
        return firstLayer_.predictLoad(one, 0, shape, out);
    }
    std::fill(out, out + experts_, 0.0);
    const auto before = step.layerExperts(layer - 1, topK_);
    const int l = layer - 1;
    int known = 0;
    for (int j = 0; j < topK_; ++j) {
        const int32_t from = before[static_cast<size_t>(t) * topK_ + j];
        const double total = outflow_[static_cast<size_t>(l) * experts_ + from];
        if (total <= 0) continue;
        ++known;
        for (int e = 0; e < experts_; ++e) out[e] += flow(l, from, e) / total;
    }
    // Each known expert's row sums to 1 pair; a token makes k pairs.
    const double scale = known ? static_cast<double>(topK_) / known : 0;
    for (int e = 0; e < experts_; ++e)
        out[e] = known ? out[e] * scale : static_cast<double>(topK_) / experts_;
}

void AffinityPredictor::observe(const Step& step) {
    firstLayer_.observe(step);
    if (decay_ < 1) {
        for (double& f : flow_) f *= decay_;
        for (double& f : outflow_) f *= decay_;
    }
    const double w = 1.0 / topK_;
    for (int l = 0; l + 1 < layers_; ++l) {
        const auto from = step.layerExperts(l, topK_), to = step.layerExperts(l + 1, topK_);
        for (int t = 0; t < step.tokens; ++t)
            for (int a = 0; a < topK_; ++a) {
                const int32_t i = from[static_cast<size_t>(t) * topK_ + a];
                outflow_[static_cast<size_t>(l) * experts_ + i] += topK_ * w;
                for (int b = 0; b < topK_; ++b)
                    flow(l, i, to[static_cast<size_t>(t) * topK_ + b]) += w;
            }
    }
}

}  // namespace moe
