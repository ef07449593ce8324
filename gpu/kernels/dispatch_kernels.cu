// The device-resident layer between the router and the expert products, and after them:
// count -> scan -> scatter is a stable counting sort of (token, slot) pairs by expert (the
// count pass is the expert histogram, so loads cost no extra pass), then row gather, the
// SwiGLU of the fused w1|w3 product, and the weighted combine. No host round trip anywhere.
#include <cuda_bf16.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>

#include "gpu/kernels/dispatch_kernels.cuh"

namespace moe::gpu::kernels {
namespace {

constexpr int kWarps = kDispatchThreads / 32;

__device__ inline float load(const float* p, long long i) { return p[i]; }
__device__ inline float load(const __nv_bfloat16* p, long long i) { return __bfloat162float(p[i]); }
__device__ inline void store(float* p, long long i, float v) { p[i] = v; }
__device__ inline void store(__nv_bfloat16* p, long long i, float v) { p[i] = __float2bfloat16(v); }

__global__ void countKernel(const int32_t* __restrict__ ids, long long pairs, int experts,
                            int32_t* __restrict__ blockCounts, int32_t* __restrict__ counts,
                            int32_t* __restrict__ badId) {
    __shared__ int local[kMaxDispatchExperts];
    for (int e = threadIdx.x; e < experts; e += blockDim.x) local[e] = 0;
    __syncthreads();
    const long long begin = static_cast<long long>(blockIdx.x) * kDispatchChunk;
    const long long end = min(pairs, begin + kDispatchChunk);
    for (long long p = begin + threadIdx.x; p < end; p += blockDim.x) {
        const int e = ids[p];
        if (e >= 0 && e < experts)
            atomicAdd(&local[e], 1);
        else
            *badId = 1;
    }
    __syncthreads();
    for (int e = threadIdx.x; e < experts; e += blockDim.x) {
        blockCounts[static_cast<long long>(blockIdx.x) * experts + e] = local[e];
        if (local[e]) atomicAdd(&counts[e], local[e]);
    }
}

__global__ void scanKernel(const int32_t* __restrict__ blockCounts, int blocks, int experts,
                           long long capacity, int32_t* __restrict__ blockBase,
                           int32_t* __restrict__ kept, int32_t* __restrict__ offsets) {
    __shared__ int keptShared[kMaxDispatchExperts];
    for (int e = threadIdx.x; e < experts; e += blockDim.x) {
        int base = 0;
        for (int b = 0; b < blocks; ++b) {
            blockBase[static_cast<long long>(b) * experts + e] = base;
            base += blockCounts[static_cast<long long>(b) * experts + e];
        }
        const int k = static_cast<int>(min(static_cast<long long>(base), capacity));
        kept[e] = k;
        keptShared[e] = k;
    }
    __syncthreads();
    if (threadIdx.x == 0) {  // E <= 512: a serial prefix is shorter than a tree's set-up
        int sum = 0;
        for (int e = 0; e < experts; ++e) {
            offsets[e] = sum;
            sum += keptShared[e];
        }
        offsets[experts] = sum;
    }
}

__global__ void scatterKernel(const int32_t* __restrict__ ids, long long pairs, int experts,
                              const int32_t* __restrict__ blockBase,
                              const int32_t* __restrict__ offsets, long long capacity,
                              int32_t* __restrict__ rowOfPair) {
    __shared__ int cursor[kMaxDispatchExperts];
    __shared__ int warpCounts[kWarps][kMaxDispatchExperts];
    for (int e = threadIdx.x; e < experts; e += blockDim.x)
        cursor[e] = blockBase[static_cast<long long>(blockIdx.x) * experts + e];
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const long long begin = static_cast<long long>(blockIdx.x) * kDispatchChunk;
    const long long end = min(pairs, begin + kDispatchChunk);
    for (long long tile = begin; tile < end; tile += blockDim.x) {
        for (int i = threadIdx.x; i < kWarps * experts; i += blockDim.x)
            warpCounts[i / experts][i % experts] = 0;
        __syncthreads();
        const long long p = tile + threadIdx.x;
        int e = p < end ? ids[p] : -1;
        if (e >= experts) e = -1;
        // Lanes with the same expert: a lane's rank among them keeps the pair order.
        const unsigned same = __match_any_sync(0xffffffffu, e);
        const int rankInWarp = __popc(same & ((1u << lane) - 1u));
        if (e >= 0 && rankInWarp == 0) warpCounts[warp][e] = __popc(same);
        __syncthreads();
        if (p < end) {
            int index = -1;
            if (e >= 0) {
                index = cursor[e] + rankInWarp;
                for (int w = 0; w < warp; ++w) index += warpCounts[w][e];
            }
            rowOfPair[p] = e >= 0 && index < capacity ? offsets[e] + index : -1;
        }
        __syncthreads();
        for (int x = threadIdx.x; x < experts; x += blockDim.x) {
            int sum = 0;
            for (int w = 0; w < kWarps; ++w) sum += warpCounts[w][x];
            cursor[x] += sum;
        }
        __syncthreads();
    }
}

template <typename T>
__global__ void gatherKernel(const T* __restrict__ x, int tokens, int k, int hidden,
                             const int32_t* __restrict__ rowOfPair, T* __restrict__ xPerm) {
    const long long pair = blockIdx.x;  // one block per (token, slot) pair
    const int row = rowOfPair[pair];
    if (row < 0) return;
    const T* src = x + (pair / k) * static_cast<long long>(hidden);
    T* dst = xPerm + static_cast<long long>(row) * hidden;
    for (int h = threadIdx.x; h < hidden; h += blockDim.x) dst[h] = src[h];
}

// The same copy in 16-byte pieces (rows of `vecs` uint4), for rows whose size and addresses
// allow it (all real shapes): a 2-byte load per thread would leave most of each memory
// transaction unused, and gather is a pure copy of T*k rows.
__global__ void gatherVecKernel(const uint4* __restrict__ x, int k, int vecs,
                                const int32_t* __restrict__ rowOfPair, uint4* __restrict__ xPerm) {
    const long long pair = blockIdx.x;
    const int row = rowOfPair[pair];
    if (row < 0) return;
    const uint4* src = x + (pair / k) * static_cast<long long>(vecs);
    uint4* dst = xPerm + static_cast<long long>(row) * vecs;
    for (int v = threadIdx.x; v < vecs; v += blockDim.x) dst[v] = src[v];
}

// A block per row (grid-stride over rows), threads over the F columns: no 64-bit division
// per element, and each block's loads of a row's gate and up halves are contiguous.
template <typename T>
__global__ void swiGluFusedKernel(const T* __restrict__ h, long long rows, int ffn,
                                  T* __restrict__ act) {
    for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
        const T* gate = h + r * 2 * ffn;
        const T* up = gate + ffn;
        T* out = act + r * ffn;
        for (int f = threadIdx.x; f < ffn; f += blockDim.x) {
            const float g = load(gate, f), u = load(up, f);
            store(out, f, g / (1.0f + expf(-g)) * u);
        }
    }
}

// The token's kept rows in ascending row order (experts ascending), as the CPU adds them, with
// their weights; returns how many (k <= 16, checked by the launcher).
__device__ inline int keptRows(const int32_t* __restrict__ rowOfPair,
                               const float* __restrict__ weights, long long t, int k, int* rows,
                               float* w) {
    int n = 0;
    for (int j = 0; j < k && j < 16; ++j) {
        const int r = rowOfPair[t * k + j];
        if (r < 0) continue;
        int at = n++;
        while (at > 0 && rows[at - 1] > r) {
            rows[at] = rows[at - 1];
            w[at] = w[at - 1];
            --at;
        }
        rows[at] = r;
        w[at] = weights[t * k + j];
    }
    return n;
}

template <typename T>
__global__ void combineKernel(const T* __restrict__ yPerm, const int32_t* __restrict__ rowOfPair,
                              const float* __restrict__ weights, int k, int hidden,
                              T* __restrict__ y) {
    const long long t = blockIdx.x;
    int rows[16];
    float w[16];
    const int n = keptRows(rowOfPair, weights, t, k, rows, w);
    for (int h = threadIdx.x; h < hidden; h += blockDim.x) {
        float acc = 0.0f;
        for (int i = 0; i < n; ++i)
            acc += w[i] * load(yPerm, static_cast<long long>(rows[i]) * hidden + h);
        store(y, t * hidden + h, acc);
    }
}

// combineKernel in 16-byte pieces (V elements each): same sums in the same order, with loads
// and stores that fill whole memory transactions.
template <typename T>
__global__ void combineVecKernel(const uint4* __restrict__ yPerm,
                                 const int32_t* __restrict__ rowOfPair,
                                 const float* __restrict__ weights, int k, int vecs,
                                 uint4* __restrict__ y) {
    constexpr int V = 16 / sizeof(T);
    const long long t = blockIdx.x;
    int rows[16];
    float w[16];
    const int n = keptRows(rowOfPair, weights, t, k, rows, w);
    for (int v = threadIdx.x; v < vecs; v += blockDim.x) {
        float acc[V];
        for (int j = 0; j < V; ++j) acc[j] = 0.0f;
        for (int i = 0; i < n; ++i) {
            const uint4 raw = yPerm[static_cast<long long>(rows[i]) * vecs + v];
            const T* e = reinterpret_cast<const T*>(&raw);
            for (int j = 0; j < V; ++j) acc[j] += w[i] * load(e, j);
        }
        uint4 out;
        T* o = reinterpret_cast<T*>(&out);
        for (int j = 0; j < V; ++j) store(o, j, acc[j]);
        y[t * vecs + v] = out;
    }
}

__global__ void floatToBf16Kernel(const float* in, long long n, __nv_bfloat16* out) {
    for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < n;
         i += static_cast<long long>(gridDim.x) * blockDim.x)
        out[i] = __float2bfloat16(in[i]);
}

__global__ void bf16ToFloatKernel(const __nv_bfloat16* in, long long n, float* out) {
    for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < n;
         i += static_cast<long long>(gridDim.x) * blockDim.x)
        out[i] = __bfloat162float(in[i]);
}

__device__ inline unsigned long long mix64(unsigned long long z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

template <typename T>
__global__ void fillUniformKernel(T* out, long long n, float scale, unsigned long long seed) {
    for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < n;
         i += static_cast<long long>(gridDim.x) * blockDim.x) {
        const float u = static_cast<float>(mix64(seed ^ mix64(i)) >> 40) * (1.0f / 16777216.0f);
        store(out, i, (2.0f * u - 1.0f) * scale);
    }
}

unsigned gridFor(long long n, int block) {
    const long long blocks = (n + block - 1) / block;
    return static_cast<unsigned>(blocks < 65535 ? (blocks > 0 ? blocks : 1) : 65535);
}

int rowThreads(int hidden) { return hidden >= 256 ? 256 : (hidden >= 128 ? 128 : 64); }

// Rows of `rowBytes` can be moved as uint4 when that size and every base address are
// multiples of 16 bytes.
bool vectorizable(long long rowBytes, std::initializer_list<const void*> bases) {
    if (rowBytes % 16 != 0) return false;
    for (const void* p : bases)
        if (reinterpret_cast<uintptr_t>(p) % 16 != 0) return false;
    return true;
}

}  // namespace

cudaError_t launchDispatchCount(const int32_t* ids, long long pairs, int experts,
                                int32_t* blockCounts, int32_t* counts, int32_t* badId,
                                cudaStream_t stream) {
    if (experts <= 0 || experts > kMaxDispatchExperts) return cudaErrorInvalidValue;
    cudaError_t err = cudaMemsetAsync(counts, 0, sizeof(int32_t) * experts, stream);
    if (err == cudaSuccess) err = cudaMemsetAsync(badId, 0, sizeof(int32_t), stream);
    if (err != cudaSuccess) return err;
    countKernel<<<dispatchBlocks(pairs), kDispatchThreads, 0, stream>>>(ids, pairs, experts,
                                                                        blockCounts, counts, badId);
    return cudaGetLastError();
}

cudaError_t launchDispatchScan(const int32_t* blockCounts, int blocks, int experts,
                               long long capacity, int32_t* blockBase, int32_t* kept,
                               int32_t* offsets, cudaStream_t stream) {
    if (experts <= 0 || experts > kMaxDispatchExperts) return cudaErrorInvalidValue;
    scanKernel<<<1, kDispatchThreads, 0, stream>>>(blockCounts, blocks, experts, capacity,
                                                   blockBase, kept, offsets);
    return cudaGetLastError();
}

cudaError_t launchDispatchScatter(const int32_t* ids, long long pairs, int experts,
                                  const int32_t* blockBase, const int32_t* offsets,
                                  long long capacity, int32_t* rowOfPair, cudaStream_t stream) {
    if (experts <= 0 || experts > kMaxDispatchExperts) return cudaErrorInvalidValue;
    if (pairs == 0) return cudaSuccess;
    scatterKernel<<<dispatchBlocks(pairs), kDispatchThreads, 0, stream>>>(
        ids, pairs, experts, blockBase, offsets, capacity, rowOfPair);
    return cudaGetLastError();
}

cudaError_t launchGatherRows(const void* x, int tokens, int k, int hidden, const int32_t* rowOfPair,
                             void* xPerm, bool bf16, cudaStream_t stream) {
    const long long pairs = static_cast<long long>(tokens) * k;
    if (pairs == 0) return cudaSuccess;
    if (pairs > 0x7fffffffLL) return cudaErrorInvalidValue;
    const unsigned grid = static_cast<unsigned>(pairs);
    const long long rowBytes = static_cast<long long>(hidden) * (bf16 ? 2 : 4);
    if (vectorizable(rowBytes, {x, xPerm})) {
        const int vecs = static_cast<int>(rowBytes / 16);
        gatherVecKernel<<<grid, rowThreads(vecs), 0, stream>>>(
            static_cast<const uint4*>(x), k, vecs, rowOfPair, static_cast<uint4*>(xPerm));
    } else if (bf16) {
        gatherKernel<<<grid, rowThreads(hidden), 0, stream>>>(static_cast<const __nv_bfloat16*>(x),
                                                              tokens, k, hidden, rowOfPair,
                                                              static_cast<__nv_bfloat16*>(xPerm));
    } else {
        gatherKernel<<<grid, rowThreads(hidden), 0, stream>>>(
            static_cast<const float*>(x), tokens, k, hidden, rowOfPair, static_cast<float*>(xPerm));
    }
    return cudaGetLastError();
}

cudaError_t launchSwiGluFused(const void* h, long long rows, int ffn, void* act, bool bf16,
                              cudaStream_t stream) {
    if (rows <= 0 || ffn <= 0) return cudaSuccess;
    const unsigned grid = static_cast<unsigned>(std::min<long long>(rows, 65535));
    const int threads = rowThreads(ffn);
    if (bf16)
        swiGluFusedKernel<<<grid, threads, 0, stream>>>(static_cast<const __nv_bfloat16*>(h), rows,
                                                        ffn, static_cast<__nv_bfloat16*>(act));
    else
        swiGluFusedKernel<<<grid, threads, 0, stream>>>(static_cast<const float*>(h), rows, ffn,
                                                        static_cast<float*>(act));
    return cudaGetLastError();
}

cudaError_t launchCombine(const void* yPerm, const int32_t* rowOfPair, const float* weights,
                          int tokens, int k, int hidden, void* y, bool bf16, cudaStream_t stream) {
    if (tokens == 0) return cudaSuccess;
    if (k > 16) return cudaErrorInvalidValue;
    const long long rowBytes = static_cast<long long>(hidden) * (bf16 ? 2 : 4);
    if (vectorizable(rowBytes, {yPerm, y})) {
        const int vecs = static_cast<int>(rowBytes / 16);
        const auto* in = static_cast<const uint4*>(yPerm);
        auto* out = static_cast<uint4*>(y);
        if (bf16)
            combineVecKernel<__nv_bfloat16>
                <<<tokens, rowThreads(vecs), 0, stream>>>(in, rowOfPair, weights, k, vecs, out);
        else
            combineVecKernel<float>
                <<<tokens, rowThreads(vecs), 0, stream>>>(in, rowOfPair, weights, k, vecs, out);
        return cudaGetLastError();
    }
    if (bf16)
        combineKernel<<<tokens, rowThreads(hidden), 0, stream>>>(
            static_cast<const __nv_bfloat16*>(yPerm), rowOfPair, weights, k, hidden,
            static_cast<__nv_bfloat16*>(y));
    else
        combineKernel<<<tokens, rowThreads(hidden), 0, stream>>>(static_cast<const float*>(yPerm),
                                                                 rowOfPair, weights, k, hidden,
                                                                 static_cast<float*>(y));
    return cudaGetLastError();
}

cudaError_t launchFloatToBf16(const float* in, long long n, void* out, cudaStream_t stream) {
    if (n == 0) return cudaSuccess;
    floatToBf16Kernel<<<gridFor(n, 256), 256, 0, stream>>>(in, n, static_cast<__nv_bfloat16*>(out));
    return cudaGetLastError();
}

cudaError_t launchBf16ToFloat(const void* in, long long n, float* out, cudaStream_t stream) {
    if (n == 0) return cudaSuccess;
    bf16ToFloatKernel<<<gridFor(n, 256), 256, 0, stream>>>(static_cast<const __nv_bfloat16*>(in), n,
                                                           out);
    return cudaGetLastError();
}

cudaError_t launchFillUniform(void* out, long long n, float scale, unsigned long long seed,
                              bool bf16, cudaStream_t stream) {
    if (n == 0) return cudaSuccess;
    if (bf16)
        fillUniformKernel<<<gridFor(n, 256), 256, 0, stream>>>(static_cast<__nv_bfloat16*>(out), n,
                                                               scale, seed);
    else
        fillUniformKernel<<<gridFor(n, 256), 256, 0, stream>>>(static_cast<float*>(out), n, scale,
                                                               seed);
    return cudaGetLastError();
}

}  // namespace moe::gpu::kernels
