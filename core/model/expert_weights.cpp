// Seeded weight generation. splitmix64 streams: fast, and independent per block, so weights
// for a single expert can be regenerated without generating the others.
#include "core/model/expert_weights.h"

#include <cmath>
#include <utility>

#include "core/model/bf16.h"

namespace moe {
namespace {
uint64_t splitmix64(uint64_t& state) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
}  // namespace

uint64_t ModelWeights::streamSeed(uint64_t seed, int layer, int expert, int matrix) {
    uint64_t s = seed ^ 0x6a09e667f3bcc909ULL;
    splitmix64(s);
    s ^= static_cast<uint64_t>(layer) * 0x100000001b3ULL +
         0x1000193ULL * static_cast<uint64_t>(expert + 1);
    splitmix64(s);
    s ^= static_cast<uint64_t>(matrix) * 0x9e3779b97f4a7c15ULL;
    return splitmix64(s);
}

namespace {
void fillUniform(std::span<float> out, int fanIn, uint64_t streamSeed) {
    // Uniform on [-a, a] has variance a^2/3; a = sqrt(3/fanIn) gives variance 1/fanIn.
    const float a = std::sqrt(3.0f / static_cast<float>(fanIn));
    uint64_t state = streamSeed;
    for (size_t i = 0; i < out.size(); ++i) {
        const uint64_t r = splitmix64(state);
        const float u = static_cast<float>(r >> 40) * (1.0f / 16777216.0f);  // [0, 1)
        out[i] = (2.0f * u - 1.0f) * a;
    }
}
}  // namespace

void ModelWeights::fill(std::vector<float>& out, size_t n, int fanIn, uint64_t streamSeed) {
    out.resize(n);
    fillUniform(out, fanIn, streamSeed);
}

void ModelWeights::fill(std::span<float> out, int fanIn, uint64_t streamSeed) {
    fillUniform(out, fanIn, streamSeed);
}

ModelWeights::ModelWeights(const MoeLayerConfig& config, int layerCount, uint64_t seed,
                           bool shareAcrossLayers)
    : config_(config), layerCount_(layerCount), shared_(shareAcrossLayers) {
    config_.validate();
    const int distinct = shared_ ? 1 : layerCount;
    const size_t H = config.hidden, F = config.ffn, E = config.experts;
    const size_t gateUpHalves = kernels::packedGateUpHalves(config.hidden, config.ffn);
    const size_t downHalves = kernels::packedDownHalves(config.hidden, config.ffn);
    arena_ = std::make_unique<WeightArena>(distinct * E *
                                           (3 * WeightArena::roundUp(H * F) +
                                            WeightArena::roundUpHalves(gateUpHalves) +
                                            WeightArena::roundUpHalves(downHalves)));
    layers_.resize(distinct);
    for (int l = 0; l < distinct; ++l) {
        LayerWeights& lw = layers_[l];
        fill(lw.gate, H * E, config.hidden, streamSeed(seed, l, -1, 0));
        lw.experts.resize(E);
        for (size_t e = 0; e < E; ++e) {
            ExpertWeights& ew = lw.experts[e];
            ew.w1 = arena_->take(H * F);
            ew.w3 = arena_->take(H * F);
            ew.w2 = arena_->take(F * H);
            fill(ew.w1, config.hidden, streamSeed(seed, l, static_cast<int>(e), 1));
            fill(ew.w3, config.hidden, streamSeed(seed, l, static_cast<int>(e), 3));
            fill(ew.w2, config.ffn, streamSeed(seed, l, static_cast<int>(e), 2));
            ew.gateUpBf16 = arena_->takeHalves(gateUpHalves);
            ew.downBf16 = arena_->takeHalves(downHalves);
        }
    }
    roundExpertsToBf16();
}

void ModelWeights::roundExpertsToBf16() {
    const int H = config_.hidden, F = config_.ffn;
    for (LayerWeights& lw : layers_)
        for (ExpertWeights& ew : lw.experts) {
            for (std::span<float> m : {ew.w1, ew.w3, ew.w2})
                for (float& v : m) v = bf16ToFloat(floatToBf16(v));
            kernels::packGateUp(ew.w1.data(), ew.w3.data(), H, F, ew.gateUpBf16.data());
            kernels::packDown(ew.w2.data(), H, F, ew.downBf16.data());
        }
}

size_t ModelWeights::expertBytes() const {
    return 3 * static_cast<size_t>(config_.hidden) * config_.ffn * sizeof(float);
}

size_t ModelWeights::totalBytes() const {
    const size_t perLayer = expertBytes() * config_.experts +
                            static_cast<size_t>(config_.hidden) * config_.experts * sizeof(float);
    return perLayer * layers_.size();
}

}  // namespace moe
