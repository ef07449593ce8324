// One MoE layer on one rank: gate and top-k (or forced routing), capacity dropping, the
// experts' SwiGLU FFNs, weighted combine. The rank-parallel version (engine/) splits the same
// steps across ranks and must agree with this one.
#pragma once

#include <cstdint>
#include <vector>

#include "core/model/backend.h"

namespace moe {

struct LayerRouting {
    std::vector<int32_t> ids;     // tokens x k
    std::vector<float> weights;   // tokens x k
    std::vector<int64_t> counts;  // E: pairs routed to each expert (before dropping)
    int64_t dropped = 0;          // pairs beyond an expert's capacity
};

// Marks pairs beyond each expert's capacity with -1 in `keptExpert` (tokens x k), scanning
// tokens in order. `firstIndex[e]` is how many pairs of expert e come before these tokens
// (nonzero on ranks other than the first). Returns the number dropped.
int64_t applyCapacity(const int32_t* ids, int pairs, long long capacity, const int64_t* firstIndex,
                      int experts, int32_t* keptExpert);

class MoeLayer {
public:
    MoeLayer(const MoeLayerConfig& config, const LayerWeights& weights, Backend& backend);

    // y (tokens x H) = sum_j w_j * FFN_{e_j}(x_t); forcedIds (tokens x k) may be nullptr.
    void forward(const float* x, int tokens, const int32_t* forcedIds, float* y,
                 LayerRouting& routing);

    const MoeLayerConfig& config() const { return config_; }

private:
    MoeLayerConfig config_;
    const LayerWeights& weights_;
    Backend& backend_;
    // Scratch kept between calls: the gathered rows and the experts' outputs are 2 x T k H
    // floats (128 MB at T=4096, k=4, H=1024), and fresh, zeroed buffers on every forward
    // cost a fifth of the layer's time in page faults and memset.
    std::vector<int32_t> kept_, tokenOfRow_;
    std::vector<float> xin_, yout_;
};

}  // namespace moe
