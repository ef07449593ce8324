// Private to moe_gpu: launchers of the device-resident layer's kernels over device pointers.
// Element buffers are float or bf16 (__nv_bfloat16) as `bf16` says; accumulation is float.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace moe::gpu::kernels {

inline constexpr int kDispatchChunk = 4096;   // pairs per block when counting and scattering
inline constexpr int kDispatchThreads = 256;  // 8 warps
inline constexpr int kMaxDispatchExperts = 512;

inline int dispatchBlocks(long long pairs) {
    return pairs <= 0 ? 1 : static_cast<int>((pairs + kDispatchChunk - 1) / kDispatchChunk);
}

// The expert histogram, counted as the first pass of dispatch: counts[e] (zeroed here) and
// each block's own counts blockCounts[b * E + e]. An id outside [0, E) sets *badId to 1 (the
// host turns it into an error) and is not counted.
cudaError_t launchDispatchCount(const int32_t* ids, long long pairs, int experts,
                                int32_t* blockCounts, int32_t* counts, int32_t* badId,
                                cudaStream_t stream);

// One block: blockBase[b * E + e] = pairs of expert e in blocks before b; kept[e] =
// min(counts[e], capacity); offsets[0..E] = exclusive prefix sum of kept.
cudaError_t launchDispatchScan(const int32_t* blockCounts, int blocks, int experts,
                               long long capacity, int32_t* blockBase, int32_t* kept,
                               int32_t* offsets, cudaStream_t stream);

// rowOfPair[p] = offsets[e] + (index of pair p among expert e's pairs, in pair order), or -1
// when that index reaches `capacity` (dropped) or e is out of range. Stable, as the CPU's
// groupByExpert: within an expert, rows keep the token order.
cudaError_t launchDispatchScatter(const int32_t* ids, long long pairs, int experts,
                                  const int32_t* blockBase, const int32_t* offsets,
                                  long long capacity, int32_t* rowOfPair, cudaStream_t stream);

// xPerm[rowOfPair[t * k + j]] = x[t] for every kept pair (rows of `hidden` elements).
cudaError_t launchGatherRows(const void* x, int tokens, int k, int hidden, const int32_t* rowOfPair,
                             void* xPerm, bool bf16, cudaStream_t stream);

// act[r, f] = silu(h[r, f]) * h[r, ffn + f] for r < rows (h holds the fused w1|w3 product,
// rows x 2F). The host knows `rows` (the grouped products need it too), so no copy of it.
cudaError_t launchSwiGluFused(const void* h, long long rows, int ffn, void* act, bool bf16,
                              cudaStream_t stream);

// y[t] = sum over kept pairs of weight[t * k + j] * yPerm[rowOfPair[t * k + j]], in float, in
// the order of the rows (as the CPU layer adds them), written as the element type.
cudaError_t launchCombine(const void* yPerm, const int32_t* rowOfPair, const float* weights,
                          int tokens, int k, int hidden, void* y, bool bf16, cudaStream_t stream);

// Element type conversions for inputs and outputs that cross the host boundary.
cudaError_t launchFloatToBf16(const float* in, long long n, void* out, cudaStream_t stream);
cudaError_t launchBf16ToFloat(const void* in, long long n, float* out, cudaStream_t stream);

// out[i] = uniform in [-scale, scale) from a hash of (seed, i): benchmark weights made on the
// device, reproducible, without a host copy of gigabytes.
cudaError_t launchFillUniform(void* out, long long n, float scale, unsigned long long seed,
                              bool bf16, cudaStream_t stream);

}  // namespace moe::gpu::kernels
