// The expert histogram on the GPU. Routing ids are heavily skewed (a few hot experts), so
// counting straight into global memory serialises on those counters; each block counts into
// shared memory first and flushes one atomic per expert per block.
#include "gpu/kernels/expert_histogram_kernel.cuh"

namespace moe::gpu::kernels {

namespace {

__global__ void histogramShared(const std::int32_t* __restrict__ ids, std::size_t n, int experts,
                                unsigned long long* __restrict__ counts) {
    extern __shared__ unsigned int local[];
    for (int e = threadIdx.x; e < experts; e += blockDim.x) local[e] = 0;
    __syncthreads();

    // Grid-stride: the grid is sized to the machine, not to n. A block sees at most
    // n / gridDim.x ids, so 32-bit shared counters cannot overflow for any realistic n.
    const std::size_t stride = static_cast<std::size_t>(blockDim.x) * gridDim.x;
    for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
         i += stride) {
        const std::int32_t id = ids[i];
        if (id >= 0 && id < experts) atomicAdd(&local[id], 1u);
    }
    __syncthreads();

    for (int e = threadIdx.x; e < experts; e += blockDim.x) {
        if (local[e] != 0) atomicAdd(&counts[e], static_cast<unsigned long long>(local[e]));
    }
}

// For expert counts too large for shared memory; slower under skew, but always correct.
__global__ void histogramGlobal(const std::int32_t* __restrict__ ids, std::size_t n, int experts,
                                unsigned long long* __restrict__ counts) {
    const std::size_t stride = static_cast<std::size_t>(blockDim.x) * gridDim.x;
    for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
         i += stride) {
        const std::int32_t id = ids[i];
        if (id >= 0 && id < experts) atomicAdd(&counts[id], 1ull);
    }
}

}  // namespace

cudaError_t launchExpertHistogram(const std::int32_t* ids, std::size_t n, int experts,
                                  unsigned long long* counts, int blocks,
                                  std::size_t sharedBytesPerBlock, cudaStream_t stream) {
    if (n == 0) return cudaSuccess;
    const std::size_t shared = static_cast<std::size_t>(experts) * sizeof(unsigned int);
    if (shared <= sharedBytesPerBlock) {
        histogramShared<<<blocks, kHistogramBlock, shared, stream>>>(ids, n, experts, counts);
    } else {
        histogramGlobal<<<blocks, kHistogramBlock, 0, stream>>>(ids, n, experts, counts);
    }
    return cudaGetLastError();
}

}  // namespace moe::gpu::kernels
