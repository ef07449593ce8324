// Kernels of the MoE layer ops. Score + top-k is fused so the E scores of a token never leave
// registers/local memory; one thread per token is enough while E is small (32-256) and the
// gate product dominates.
#include <cfloat>

#include "gpu/kernels/moe_ops_kernels.cuh"

namespace moe::gpu::kernels {
namespace {

constexpr int kMaxExperts = 512;

__global__ void scoreTopKKernel(const float* logits, int tokens, int experts, int k, bool sigmoid,
                                bool renormalize, const int32_t* forced, int32_t* outIds,
                                float* outWeights) {
    const int t = blockIdx.x * blockDim.x + threadIdx.x;
    if (t >= tokens) return;
    const float* row = logits + static_cast<long long>(t) * experts;
    float scores[kMaxExperts];
    if (sigmoid) {
        for (int e = 0; e < experts; ++e) scores[e] = 1.0f / (1.0f + expf(-row[e]));
    } else {
        float mx = -FLT_MAX;
        for (int e = 0; e < experts; ++e) mx = fmaxf(mx, row[e]);
        float sum = 0;
        for (int e = 0; e < experts; ++e) sum += (scores[e] = expf(row[e] - mx));
        const float inv = 1.0f / sum;
        for (int e = 0; e < experts; ++e) scores[e] *= inv;
    }
    int32_t* ids = outIds + static_cast<long long>(t) * k;
    float* w = outWeights + static_cast<long long>(t) * k;
    for (int j = 0; j < k; ++j) {
        int best = -1;
        if (forced) {
            best = forced[static_cast<long long>(t) * k + j];
        } else {
            for (int e = 0; e < experts; ++e) {
                bool taken = false;
                for (int i = 0; i < j; ++i) taken |= ids[i] == e;
                if (!taken && (best < 0 || scores[e] > scores[best]))
                    best = e;  // lowest id on ties
            }
        }
        ids[j] = best;
    }
    // A forced id outside [0, E) keeps its value (dispatch flags it and the host throws) but
    // gets weight 0: indexing scores[] with it would read past the thread's local array.
    float sum = 0;
    for (int j = 0; j < k; ++j) {
        const int e = ids[j];
        sum += (w[j] = e >= 0 && e < experts ? scores[e] : 0.0f);
    }
    if (renormalize && sum > 0)
        for (int j = 0; j < k; ++j) w[j] /= sum;
}

__global__ void swiGluKernel(float* gate, const float* up, long long n) {
    for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < n;
         i += static_cast<long long>(gridDim.x) * blockDim.x) {
        const float g = gate[i];
        gate[i] = g / (1.0f + expf(-g)) * up[i];
    }
}

}  // namespace

cudaError_t launchScoreTopK(const float* logits, int tokens, int experts, int k, bool sigmoid,
                            bool renormalize, const int32_t* forcedIds, int32_t* outIds,
                            float* outWeights, cudaStream_t stream) {
    if (tokens == 0) return cudaSuccess;
    if (experts <= 0 || experts > kMaxExperts || k <= 0 || k > experts)
        return cudaErrorInvalidValue;
    const int block = 128;
    scoreTopKKernel<<<(tokens + block - 1) / block, block, 0, stream>>>(
        logits, tokens, experts, k, sigmoid, renormalize, forcedIds, outIds, outWeights);
    return cudaGetLastError();
}

cudaError_t launchSwiGlu(float* gate, const float* up, long long n, cudaStream_t stream) {
    if (n == 0) return cudaSuccess;
    const int block = 256;
    const long long blocks = (n + block - 1) / block;
    swiGluKernel<<<static_cast<unsigned>(blocks < 65535 ? blocks : 65535), block, 0, stream>>>(
        gate, up, n);
    return cudaGetLastError();
}

}  // namespace moe::gpu::kernels
