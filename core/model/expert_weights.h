// Weights of the MoE layers, generated from a seed. Each (layer, expert) block has its own
// stream derived from (seed, layer, expert), so any rank can rebuild exactly the experts it
// holds and results do not depend on how experts are placed.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/model/layer_config.h"

namespace moe {

// Row-major blocks laid out so that a token row x (1 x H) is multiplied as x * W.
struct ExpertWeights {
    std::vector<float> w1;  // H x F (gate projection of SwiGLU)
    std::vector<float> w3;  // H x F (up projection)
    std::vector<float> w2;  // F x H (down projection)
};

struct LayerWeights {
    std::vector<float> gate;  // H x E router
    std::vector<ExpertWeights> experts;
};

class ModelWeights {
public:
    // `layerCount` distinct layers, or one layer shared by all when `shareAcrossLayers`.
    ModelWeights(const MoeLayerConfig& config, int layerCount, uint64_t seed,
                 bool shareAcrossLayers = false);

    const LayerWeights& layer(int l) const { return layers_[shared_ ? 0 : l]; }
    LayerWeights& mutableLayer(int l) { return layers_[shared_ ? 0 : l]; }
    int layerCount() const { return layerCount_; }
    const MoeLayerConfig& config() const { return config_; }
    // Bytes of one expert's three matrices in float32 (what a replica copy moves).
    size_t expertBytes() const;
    size_t totalBytes() const;

    // Deterministic uniform fill with the variance of N(0, 1/fanIn) (Kaiming-like, cheap).
    static void fill(std::vector<float>& out, size_t n, int fanIn, uint64_t streamSeed);
    static uint64_t streamSeed(uint64_t seed, int layer, int expert, int matrix);

private:
    MoeLayerConfig config_;
    int layerCount_;
    bool shared_;
    std::vector<LayerWeights> layers_;
};

}  // namespace moe
