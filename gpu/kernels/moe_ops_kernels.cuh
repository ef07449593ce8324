// Private to moe_gpu: launchers of the MoE layer kernels over device pointers (CUDA types
// stay out of the public headers).
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace moe::gpu::kernels {

// Per token: scores (softmax or sigmoid over `logits` row), top-k (ties to the lowest id) or the
// forced ids, combine weights (renormalised when asked). One thread per token.
cudaError_t launchScoreTopK(const float* logits, int tokens, int experts, int k, bool sigmoid,
                            bool renormalize, const int32_t* forcedIds, int32_t* outIds,
                            float* outWeights, cudaStream_t stream);

// gate[i] = silu(gate[i]) * up[i] for n elements (SwiGLU).
cudaError_t launchSwiGlu(float* gate, const float* up, long long n, cudaStream_t stream);

}  // namespace moe::gpu::kernels
