// Single-rank MoE layer forward, composed from the backend's ops.
#include "core/model/moe_layer.h"

#include <algorithm>

#include "core/model/permute.h"

namespace moe {

int64_t applyCapacity(const int32_t* ids, int pairs, long long capacity, const int64_t* firstIndex,
                      int experts, int32_t* keptExpert) {
    std::vector<int64_t> seen(firstIndex, firstIndex + experts);
    int64_t dropped = 0;
    for (int i = 0; i < pairs; ++i) {
        const int32_t e = ids[i];
        if (seen[e]++ < capacity) {
            keptExpert[i] = e;
        } else {
            keptExpert[i] = -1;
            ++dropped;
        }
    }
    return dropped;
}

MoeLayer::MoeLayer(const MoeLayerConfig& config, const LayerWeights& weights, Backend& backend)
    : config_(config), weights_(weights), backend_(backend) {
    config_.validate();
}

void MoeLayer::forward(const float* x, int tokens, const int32_t* forcedIds, float* y,
                       LayerRouting& r) {
    const int H = config_.hidden, E = config_.experts, k = config_.topK;
    const int pairs = tokens * k;
    r.ids.resize(pairs);
    r.weights.resize(pairs);
    r.counts.assign(E, 0);
    backend_.gateTopK(
        {&config_, x, tokens, weights_.gate.data(), forcedIds, r.ids.data(), r.weights.data()});
    backend_.expertHistogram(r.ids.data(), pairs, E, r.counts.data());

    kept_.resize(pairs);
    const std::vector<int64_t> zero(E, 0);
    r.dropped =
        applyCapacity(r.ids.data(), pairs, config_.capacity(tokens), zero.data(), E, kept_.data());

    // Row p of the pair list is token p / k; gather those token rows grouped by expert.
    const ExpertGrouping g = groupByExpert(kept_.data(), pairs, E);
    tokenOfRow_.resize(g.order.size());
    for (size_t i = 0; i < g.order.size(); ++i) tokenOfRow_[i] = g.order[i] / k;
    xin_.resize(g.order.size() * H);
    yout_.resize(g.order.size() * H);
    gatherRows(x, tokenOfRow_.data(), static_cast<int>(tokenOfRow_.size()), H, xin_.data());
    backend_.expertFfnGroup(
        {weights_.experts.data(), E, H, config_.ffn, g.offsets.data(), xin_.data(), yout_.data()});
    std::fill(y, y + static_cast<size_t>(tokens) * H, 0.0f);
    for (size_t i = 0; i < g.order.size(); ++i) {
        const int pair = g.order[i];
        const float w = r.weights[pair];
        float* dst = y + static_cast<size_t>(pair / k) * H;
        const float* src = yout_.data() + i * H;
        for (int h = 0; h < H; ++h) dst[h] += w * src[h];
    }
}

}  // namespace moe
