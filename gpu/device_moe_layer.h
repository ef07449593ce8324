// One MoE layer that stays on the GPU from router to output: gate product (cuBLAS), fused
// score + top-k, the expert histogram counted during dispatch, a stable permutation of the
// (token, slot) rows by expert, the experts' SwiGLU FFNs as two grouped matrix products
// (cuBLAS grouped GEMM: w1|w3 fused, then w2), and the un-permute with the weighted combine.
// float32 or bf16 storage, float accumulation. The host waits only for the routing of the
// current call (its per-expert row counts size the grouped products), never for the experts'
// work: the counts reach pinned memory with an event and are published from there.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/model/expert_weights.h"
#include "core/model/layer_config.h"

namespace moe::gpu {

enum class DType { F32, BF16 };
const char* toString(DType dtype);
size_t elementBytes(DType dtype);

// Per-expert pairs routed in one forward (before capacity drops), and the pairs dropped.
struct LayerCounts {
    int64_t sequence = 0;  // 0 for the layer's first forward, then 1, 2, ...
    std::vector<int64_t> counts;
    int64_t dropped = 0;
};

// Milliseconds on the device of the newest forward that has finished.
struct LayerTimings {
    float routingMs = 0;  // gate, top-k, histogram, permutation, row gather
    float ffnMs = 0;      // the two grouped products and the SwiGLU
    float combineMs = 0;  // un-permute and weighted combine
};

class DeviceMoeLayer {
public:
    // Uploads the layer's weights in `dtype` to `device`.
    DeviceMoeLayer(const MoeLayerConfig& config, const LayerWeights& weights, DType dtype,
                   int device = 0);
    // Weights drawn on the device (uniform, Kaiming-like scale) from `seed`: for benchmark
    // layers too large to build on the host first.
    DeviceMoeLayer(const MoeLayerConfig& config, DType dtype, int device, uint64_t seed);
    ~DeviceMoeLayer();
    DeviceMoeLayer(const DeviceMoeLayer&) = delete;
    DeviceMoeLayer& operator=(const DeviceMoeLayer&) = delete;

    const MoeLayerConfig& config() const;
    DType dtype() const;
    // "cublasGemmGroupedBatchedEx" or "cublasGemmEx per expert" (when grouped GEMM is missing
    // or refuses the types): what the benchmarks measured.
    std::string ffnPath() const;

    // The whole layer on device buffers of the element type: x and y are tokens x H, forced ids
    // tokens x k (device memory; null = the layer's own top-k). Ordered on the layer's stream.
    // Throws moe::Error on an expert id out of range, CudaError on a GPU failure.
    void forward(const void* dX, int tokens, const int32_t* dForcedIds, void* dY);

    // The ops one by one (device buffers; element type for x, rows and y), for the op-by-op
    // tests and the benchmarks; forward() is exactly these in this order.
    void gateTopK(const void* dX, int tokens, const int32_t* dForcedIds, int32_t* dIds,
                  float* dWeights);
    // Histogram and permutation: dCounts (E pairs per expert before drops) and dRowOfPair
    // (T*k: the pair's row among the permuted rows, -1 when dropped). Returns the E+1 row
    // offsets of the experts (waits for this call's routing only) and publishes the counts.
    std::vector<int32_t> dispatch(const int32_t* dIds, int tokens, int32_t* dCounts,
                                  int32_t* dRowOfPair);
    void gatherRows(const void* dX, int tokens, const int32_t* dRowOfPair, void* dXPerm);
    // Rows offsets[e]..offsets[e+1] of dXPerm through expert e's SwiGLU FFN into dYPerm.
    void expertFfn(const void* dXPerm, const std::vector<int32_t>& offsets, void* dYPerm);
    void combine(const void* dYPerm, const int32_t* dRowOfPair, const float* dWeights, int tokens,
                 void* dY);

    // Runs the layer's work on `cudaStream` (a cudaStream_t the caller owns and keeps alive,
    // e.g. an SmPartitions stream for an emulated rank) instead of its own.
    void setStream(void* cudaStream);
    // Waits for everything enqueued so far.
    void synchronize();
    // Counts of the forwards whose copy to the host has finished, oldest first. Never waits.
    std::vector<LayerCounts> collectCounts();
    // The newest finished forward's device times (zeros when none has finished).
    LayerTimings lastTimings();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace moe::gpu
