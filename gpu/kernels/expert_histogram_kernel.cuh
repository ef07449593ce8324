// Private to moe_gpu: the launcher of the expert-histogram kernel, over device pointers. The
// public header (gpu/expert_histogram.h) must stay free of CUDA types, so this one holds them.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

namespace moe::gpu::kernels {

// Threads per block of the histogram kernel; tests use sizes around multiples of it.
inline constexpr int kHistogramBlock = 256;

// Adds the counts of ids[0..n) into counts[0..experts) (which the caller zeroes). Uses
// shared-memory counters when `experts` fits in `sharedBytesPerBlock`, global atomics otherwise.
// Asynchronous on `stream`; returns the launch error, if any.
cudaError_t launchExpertHistogram(const std::int32_t* ids, std::size_t n, int experts,
                                  unsigned long long* counts, int blocks,
                                  std::size_t sharedBytesPerBlock, cudaStream_t stream);

}  // namespace moe::gpu::kernels
