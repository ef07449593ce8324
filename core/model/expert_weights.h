// Weights of the MoE layers, generated from a seed. Each (layer, expert) block has its own
// stream derived from (seed, layer, expert), so any rank can rebuild exactly the experts it
// holds and results do not depend on how experts are placed.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/model/layer_config.h"
#include "core/model/small_batch_ffn.h"
#include "core/model/weight_arena.h"

namespace moe {

// Row-major blocks laid out so that a token row x (1 x H) is multiplied as x * W: views into
// the model's WeightArena, each on a cache line. The values are bf16 values (rounded once when
// made, as the models served are), held twice: as floats for GEMM, the reference and the GPU
// upload, and as bf16 packed for the small-batch kernel (kernels::PackedBf16), which then
// streams half the bytes per call, front to back. Both read the same numbers.
struct ExpertWeights {
    std::span<float> w1;  // H x F (gate projection of SwiGLU)
    std::span<float> w3;  // H x F (up projection)
    std::span<float> w2;  // F x H (down projection)
    // The same as packed bf16 (kernels::packGateUp, packDown); empty where not made.
    std::span<uint16_t> gateUpBf16, downBf16;
    kernels::PackedBf16 packedBf16() const { return {gateUpBf16.data(), downBf16.data()}; }
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
    // Rounds every expert matrix to bf16 values and writes their packed bf16 copies.
    // Call after changing expert weights through mutableLayer.
    void roundExpertsToBf16();
    // Bytes of one expert's three matrices in float32 (what a replica copy moves).
    size_t expertBytes() const;
    size_t totalBytes() const;

    // Deterministic uniform fill with the variance of N(0, 1/fanIn) (Kaiming-like, cheap).
    static void fill(std::vector<float>& out, size_t n, int fanIn, uint64_t streamSeed);
    static void fill(std::span<float> out, int fanIn, uint64_t streamSeed);
    static uint64_t streamSeed(uint64_t seed, int layer, int expert, int matrix);

private:
    MoeLayerConfig config_;
    int layerCount_;
    bool shared_;
    std::unique_ptr<WeightArena> arena_;  // every expert matrix; the views below point in
    std::vector<LayerWeights> layers_;
};

}  // namespace moe
