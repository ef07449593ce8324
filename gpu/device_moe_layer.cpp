// Host side of the device-resident layer: weights and scratch on the device, one stream, one
// cuBLAS handle, a pinned buffer the routing counts land in, events for the stage times.
// The only host wait per forward is on the `routed` event: the grouped products need each
// expert's row count on the host (cuBLAS takes problem sizes from host arrays).
#include "gpu/device_moe_layer.h"

#include <cuda_bf16.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>

#include "gpu/bf16.h"
#include "gpu/cuda_check.h"
#include "gpu/device_memory.h"
#include "gpu/kernels/dispatch_kernels.cuh"
#include "gpu/kernels/moe_ops_kernels.cuh"

namespace moe::gpu {

const char* toString(DType d) { return d == DType::BF16 ? "bf16" : "fp32"; }
size_t elementBytes(DType d) { return d == DType::BF16 ? 2 : 4; }

namespace {

// Row-major C (m x n) = A (m x k) B (k x n) is column-major C^T = B^T A^T: cuBLAS sees
// (n x m) = (n x k)(k x m) with A and B swapped. Gemm holds the column-major view.
struct Gemm {
    int m, n, k;
    const void* A;
    int lda;
    const void* B;
    int ldb;
    void* C;
    int ldc;
};

Gemm rowMajor(const void* A, const void* B, void* C, int m, int k, int n) {
    return {n, m, k, B, n, A, k, C, n};
}

constexpr int kTimingSlots = 4;

}  // namespace

struct DeviceMoeLayer::Impl {
    MoeLayerConfig c;
    DType dtype;
    int device;
    cudaStream_t stream = nullptr;
    cudaStream_t ownStream = nullptr;  // the one we made (and destroy)
    cublasHandle_t blas = nullptr;
    std::string ffnPath = "cublasGemmGroupedBatchedEx";
    DeviceBuffer gate, w13, w2;  // H x E; E x (H x 2F); E x (F x H)
    // Scratch, grown on demand (a free waits for the device, so growth is safe mid-stream).
    DeviceBuffer xConv, logits, ids, weights, counts, blockCounts, blockBase, kept, offsets, badId,
        rowOfPair, xPerm, h13, act, yPerm, pointers;
    // Pinned landing place of the routing results: counts (E), offsets (E + 1), bad-id flag.
    int32_t* pinned = nullptr;
    void** pinnedPointers = nullptr;  // staging of the grouped products' pointer arrays
    // Recorded after each region's copy out of pinnedPointers: the host waits on it before
    // rewriting that region, or a copy still queued would read the next call's pointers.
    std::array<cudaEvent_t, 2> staged{};
    cudaEvent_t routed = nullptr;
    struct Timing {
        cudaEvent_t start = nullptr, routed = nullptr, ffn = nullptr, done = nullptr;
        bool used = false;
    };
    std::array<Timing, kTimingSlots> timings{};
    int64_t sequence = 0;  // dispatches (each publishes one LayerCounts)
    int64_t forwards = 0;  // whole forwards (each fills one timing slot)
    std::deque<LayerCounts> published;

    Impl(const MoeLayerConfig& config, DType d, int dev) : c(config), dtype(d), device(dev) {
        c.validate();
        if (c.experts > kernels::kMaxDispatchExperts)
            throw Error("the device layer handles up to " +
                        std::to_string(kernels::kMaxDispatchExperts) + " experts, not " +
                        std::to_string(c.experts));
        if (c.topK > 16) throw Error("the device layer handles top-k up to 16");
        MOE_CUDA(cudaSetDevice(device));
        MOE_CUDA(cudaStreamCreateWithFlags(&ownStream, cudaStreamNonBlocking));
        stream = ownStream;
        MOE_CUBLAS(cublasCreate(&blas));
        MOE_CUBLAS(cublasSetStream(blas, stream));
        // Default math: float32 products stay float32 (TF32 needs CUBLAS_TF32_TENSOR_OP_MATH),
        // so the CPU oracle's tolerance holds; bf16 products use the tensor cores.
        MOE_CUBLAS(cublasSetMathMode(blas, CUBLAS_DEFAULT_MATH));
        const size_t E = c.experts, H = c.hidden, F = c.ffn, el = elementBytes(dtype);
        gate = DeviceBuffer(H * E * el);
        w13 = DeviceBuffer(E * H * 2 * F * el);
        w2 = DeviceBuffer(E * F * H * el);
        MOE_CUDA(cudaMallocHost(reinterpret_cast<void**>(&pinned), (2 * E + 2) * sizeof(int32_t)));
        MOE_CUDA(cudaMallocHost(reinterpret_cast<void**>(&pinnedPointers), 6 * E * sizeof(void*)));
        MOE_CUDA(cudaEventCreateWithFlags(&routed, cudaEventDisableTiming));
        for (auto& e : staged) MOE_CUDA(cudaEventCreateWithFlags(&e, cudaEventDisableTiming));
        for (auto& t : timings) {
            MOE_CUDA(cudaEventCreate(&t.start));
            MOE_CUDA(cudaEventCreate(&t.routed));
            MOE_CUDA(cudaEventCreate(&t.ffn));
            MOE_CUDA(cudaEventCreate(&t.done));
        }
    }

    ~Impl() {  // unchecked: a destructor must not throw
        cudaSetDevice(device);
        if (stream) cudaStreamSynchronize(stream);
        for (auto& t : timings) {
            cudaEventDestroy(t.start);
            cudaEventDestroy(t.routed);
            cudaEventDestroy(t.ffn);
            cudaEventDestroy(t.done);
        }
        cudaEventDestroy(routed);
        for (auto& e : staged) cudaEventDestroy(e);
        cudaFreeHost(pinned);
        cudaFreeHost(pinnedPointers);
        if (blas) cublasDestroy(blas);
        if (ownStream) cudaStreamDestroy(ownStream);
    }

    bool bf16() const { return dtype == DType::BF16; }
    cudaDataType_t cudaType() const { return bf16() ? CUDA_R_16BF : CUDA_R_32F; }
    size_t el() const { return elementBytes(dtype); }

    void* grow(DeviceBuffer& b, size_t bytes) {
        if (b.bytes() < bytes) b = DeviceBuffer(std::max(bytes, b.bytes() + b.bytes() / 2));
        return b.get();
    }

    // Host float data into a device region of the element type.
    void uploadAs(const float* host, size_t n, void* dst) {
        if (bf16()) {
            std::vector<uint16_t> b(n);
            for (size_t i = 0; i < n; ++i) b[i] = floatToBf16(host[i]);
            MOE_CUDA(cudaMemcpy(dst, b.data(), n * 2, cudaMemcpyHostToDevice));
        } else {
            MOE_CUDA(cudaMemcpy(dst, host, n * 4, cudaMemcpyHostToDevice));
        }
    }

    void uploadWeights(const LayerWeights& w) {
        const size_t E = c.experts, H = c.hidden, F = c.ffn;
        if (w.gate.size() != H * E || w.experts.size() != E)
            throw Error("device layer: the weights do not match the layer's shape");
        uploadAs(w.gate.data(), H * E, gate.get());
        std::vector<float> fused(H * 2 * F);
        for (size_t e = 0; e < E; ++e) {
            const ExpertWeights& x = w.experts[e];
            for (size_t h = 0; h < H; ++h) {
                std::copy_n(x.w1.data() + h * F, F, fused.data() + h * 2 * F);
                std::copy_n(x.w3.data() + h * F, F, fused.data() + h * 2 * F + F);
            }
            uploadAs(fused.data(), H * 2 * F, static_cast<char*>(w13.get()) + e * H * 2 * F * el());
            uploadAs(x.w2.data(), F * H, static_cast<char*>(w2.get()) + e * F * H * el());
        }
        // The copies ran on the default stream, which the layer's non-blocking stream does not
        // wait for, and a pageable cudaMemcpy may return before its DMA lands.
        MOE_CUDA(cudaStreamSynchronize(nullptr));
    }

    void randomWeights(uint64_t seed) {
        const long long E = c.experts, H = c.hidden, F = c.ffn;
        // Uniform with the variance of N(0, 1/fanIn), as ModelWeights::fill.
        MOE_CUDA(kernels::launchFillUniform(gate.get(), H * E, std::sqrt(3.0f / H), seed * 4 + 1,
                                            bf16(), stream));
        MOE_CUDA(kernels::launchFillUniform(w13.get(), E * H * 2 * F, std::sqrt(3.0f / H),
                                            seed * 4 + 2, bf16(), stream));
        MOE_CUDA(kernels::launchFillUniform(w2.get(), E * F * H, std::sqrt(3.0f / F), seed * 4 + 3,
                                            bf16(), stream));
        MOE_CUDA(cudaStreamSynchronize(stream));
    }

    // The products of one grouped call; `region` (0 or 1) picks its own pinned staging, so the
    // second call never overwrites pointers the first call's copy has not read yet.
    void gemms(const std::vector<Gemm>& g, int region) {
        if (g.empty()) return;
        const int n = static_cast<int>(g.size());
#if CUBLAS_VERSION >= 120500
        if (ffnPath == "cublasGemmGroupedBatchedEx") {
            void** stage = pinnedPointers + static_cast<size_t>(region) * 3 * c.experts;
            MOE_CUDA(cudaEventSynchronize(staged[region]));  // at once unless still queued
            for (int i = 0; i < n; ++i) {
                stage[i] = const_cast<void*>(g[i].A);
                stage[n + i] = const_cast<void*>(g[i].B);
                stage[2 * n + i] = g[i].C;
            }
            auto* dev = static_cast<void**>(grow(pointers, 6 * c.experts * sizeof(void*))) +
                        static_cast<size_t>(region) * 3 * c.experts;
            MOE_CUDA(
                cudaMemcpyAsync(dev, stage, 3 * n * sizeof(void*), cudaMemcpyHostToDevice, stream));
            MOE_CUDA(cudaEventRecord(staged[region], stream));
            std::vector<cublasOperation_t> op(n, CUBLAS_OP_N);
            std::vector<int> m(n), nn(n), k(n), lda(n), ldb(n), ldc(n), size(n, 1);
            std::vector<float> alpha(n, 1.0f), beta(n, 0.0f);
            for (int i = 0; i < n; ++i) {
                m[i] = g[i].m;
                nn[i] = g[i].n;
                k[i] = g[i].k;
                lda[i] = g[i].lda;
                ldb[i] = g[i].ldb;
                ldc[i] = g[i].ldc;
            }
            const cublasStatus_t s = cublasGemmGroupedBatchedEx(
                blas, op.data(), op.data(), m.data(), nn.data(), k.data(), alpha.data(), dev,
                cudaType(), lda.data(), dev + n, cudaType(), ldb.data(), beta.data(), dev + 2 * n,
                cudaType(), ldc.data(), n, size.data(), CUBLAS_COMPUTE_32F);
            if (s != CUBLAS_STATUS_NOT_SUPPORTED) {
                MOE_CUBLAS(s);
                return;
            }
            ffnPath = "cublasGemmEx per expert";  // this cuBLAS refuses these types grouped
        }
#else
        ffnPath = "cublasGemmEx per expert";
#endif
        (void)region;
        const float one = 1.0f, zero = 0.0f;
        for (const Gemm& x : g)
            MOE_CUBLAS(cublasGemmEx(blas, CUBLAS_OP_N, CUBLAS_OP_N, x.m, x.n, x.k, &one, x.A,
                                    cudaType(), x.lda, x.B, cudaType(), x.ldb, &zero, x.C,
                                    cudaType(), x.ldc, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
    }
};

DeviceMoeLayer::DeviceMoeLayer(const MoeLayerConfig& config, const LayerWeights& weights,
                               DType dtype, int device)
    : impl_(std::make_unique<Impl>(config, dtype, device)) {
    impl_->uploadWeights(weights);
}

DeviceMoeLayer::DeviceMoeLayer(const MoeLayerConfig& config, DType dtype, int device, uint64_t seed)
    : impl_(std::make_unique<Impl>(config, dtype, device)) {
    impl_->randomWeights(seed);
}

DeviceMoeLayer::~DeviceMoeLayer() = default;

const MoeLayerConfig& DeviceMoeLayer::config() const { return impl_->c; }
DType DeviceMoeLayer::dtype() const { return impl_->dtype; }
std::string DeviceMoeLayer::ffnPath() const { return impl_->ffnPath; }

void DeviceMoeLayer::gateTopK(const void* dX, int tokens, const int32_t* dForcedIds, int32_t* dIds,
                              float* dWeights) {
    auto& m = *impl_;
    if (tokens == 0) return;
    MOE_CUDA(cudaSetDevice(m.device));
    const int H = m.c.hidden, E = m.c.experts;
    auto* logits = static_cast<float*>(m.grow(m.logits, sizeof(float) * tokens * E));
    const Gemm g = rowMajor(dX, m.gate.get(), logits, tokens, H, E);
    const float one = 1.0f, zero = 0.0f;
    MOE_CUBLAS(cublasGemmEx(m.blas, CUBLAS_OP_N, CUBLAS_OP_N, g.m, g.n, g.k, &one, g.A,
                            m.cudaType(), g.lda, g.B, m.cudaType(), g.ldb, &zero, g.C, CUDA_R_32F,
                            g.ldc, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
    MOE_CUDA(kernels::launchScoreTopK(logits, tokens, E, m.c.topK,
                                      m.c.score == ScoreFunction::Sigmoid, m.c.renormalize,
                                      dForcedIds, dIds, dWeights, m.stream));
}

std::vector<int32_t> DeviceMoeLayer::dispatch(const int32_t* dIds, int tokens, int32_t* dCounts,
                                              int32_t* dRowOfPair) {
    auto& m = *impl_;
    MOE_CUDA(cudaSetDevice(m.device));
    const int E = m.c.experts;
    const long long pairs = static_cast<long long>(tokens) * m.c.topK;
    const int blocks = kernels::dispatchBlocks(pairs);
    auto* blockCounts = static_cast<int32_t*>(m.grow(m.blockCounts, sizeof(int32_t) * blocks * E));
    auto* blockBase = static_cast<int32_t*>(m.grow(m.blockBase, sizeof(int32_t) * blocks * E));
    auto* kept = static_cast<int32_t*>(m.grow(m.kept, sizeof(int32_t) * E));
    auto* offsets = static_cast<int32_t*>(m.grow(m.offsets, sizeof(int32_t) * (E + 1)));
    auto* bad = static_cast<int32_t*>(m.grow(m.badId, sizeof(int32_t)));
    const long long cap = m.c.capacity(tokens);
    MOE_CUDA(kernels::launchDispatchCount(dIds, pairs, E, blockCounts, dCounts, bad, m.stream));
    MOE_CUDA(kernels::launchDispatchScan(blockCounts, blocks, E, cap, blockBase, kept, offsets,
                                         m.stream));
    MOE_CUDA(kernels::launchDispatchScatter(dIds, pairs, E, blockBase, offsets, cap, dRowOfPair,
                                            m.stream));
    // Counts, offsets and the bad-id flag to pinned memory; the event says they are there.
    MOE_CUDA(
        cudaMemcpyAsync(m.pinned, dCounts, sizeof(int32_t) * E, cudaMemcpyDeviceToHost, m.stream));
    MOE_CUDA(cudaMemcpyAsync(m.pinned + E, offsets, sizeof(int32_t) * (E + 1),
                             cudaMemcpyDeviceToHost, m.stream));
    MOE_CUDA(cudaMemcpyAsync(m.pinned + 2 * E + 1, bad, sizeof(int32_t), cudaMemcpyDeviceToHost,
                             m.stream));
    MOE_CUDA(cudaEventRecord(m.routed, m.stream));
    MOE_CUDA(cudaEventSynchronize(m.routed));  // this call's routing only, not the experts
    if (m.pinned[2 * E + 1])
        throw Error("routing names an expert id outside 0.." + std::to_string(E - 1));
    LayerCounts lc;
    lc.sequence = m.sequence++;
    lc.counts.assign(m.pinned, m.pinned + E);
    int64_t total = 0;
    for (int64_t v : lc.counts) total += v;
    lc.dropped = total - m.pinned[2 * E];
    m.published.push_back(std::move(lc));
    if (m.published.size() > 1024) m.published.pop_front();  // nobody collects: keep it bounded
    return std::vector<int32_t>(m.pinned + E, m.pinned + 2 * E + 1);
}

void DeviceMoeLayer::gatherRows(const void* dX, int tokens, const int32_t* dRowOfPair,
                                void* dXPerm) {
    auto& m = *impl_;
    MOE_CUDA(cudaSetDevice(m.device));
    MOE_CUDA(kernels::launchGatherRows(dX, tokens, m.c.topK, m.c.hidden, dRowOfPair, dXPerm,
                                       m.bf16(), m.stream));
}

void DeviceMoeLayer::expertFfn(const void* dXPerm, const std::vector<int32_t>& offsets,
                               void* dYPerm) {
    auto& m = *impl_;
    MOE_CUDA(cudaSetDevice(m.device));
    const int E = m.c.experts, H = m.c.hidden, F = m.c.ffn;
    if (static_cast<int>(offsets.size()) != E + 1)
        throw Error("device layer: expertFfn needs E + 1 row offsets");
    const long long rows = offsets[E];
    if (rows == 0) return;
    const size_t el = m.el();
    auto* h13 = static_cast<char*>(m.grow(m.h13, el * rows * 2 * F));
    auto* act = static_cast<char*>(m.grow(m.act, el * rows * F));
    const auto* x = static_cast<const char*>(dXPerm);
    auto* y = static_cast<char*>(dYPerm);
    const auto* w13 = static_cast<const char*>(m.w13.get());
    const auto* w2 = static_cast<const char*>(m.w2.get());
    std::vector<Gemm> up, down;
    for (int e = 0; e < E; ++e) {
        const int n = offsets[e + 1] - offsets[e];
        if (n == 0) continue;
        const size_t r0 = offsets[e];
        up.push_back(rowMajor(x + el * r0 * H, w13 + el * e * H * 2 * F, h13 + el * r0 * 2 * F, n,
                              H, 2 * F));
        down.push_back(rowMajor(act + el * r0 * F, w2 + el * e * F * H, y + el * r0 * H, n, F, H));
    }
    m.gemms(up, 0);
    // The row count from the host's offsets: a copy of them from pageable memory here could
    // wait for the stream (serialising emulated ranks), and would overwrite dispatch's offsets.
    MOE_CUDA(kernels::launchSwiGluFused(h13, rows, F, act, m.bf16(), m.stream));
    m.gemms(down, 1);
}

void DeviceMoeLayer::combine(const void* dYPerm, const int32_t* dRowOfPair, const float* dWeights,
                             int tokens, void* dY) {
    auto& m = *impl_;
    MOE_CUDA(cudaSetDevice(m.device));
    MOE_CUDA(kernels::launchCombine(dYPerm, dRowOfPair, dWeights, tokens, m.c.topK, m.c.hidden, dY,
                                    m.bf16(), m.stream));
}

void DeviceMoeLayer::forward(const void* dX, int tokens, const int32_t* dForcedIds, void* dY) {
    auto& m = *impl_;
    MOE_CUDA(cudaSetDevice(m.device));
    const int k = m.c.topK, H = m.c.hidden;
    const size_t pairs = static_cast<size_t>(tokens) * k;
    auto& t = m.timings[m.forwards % kTimingSlots];
    MOE_CUDA(cudaEventRecord(t.start, m.stream));
    auto* ids = static_cast<int32_t*>(m.grow(m.ids, sizeof(int32_t) * std::max<size_t>(pairs, 1)));
    auto* w = static_cast<float*>(m.grow(m.weights, sizeof(float) * std::max<size_t>(pairs, 1)));
    auto* counts = static_cast<int32_t*>(m.grow(m.counts, sizeof(int32_t) * m.c.experts));
    auto* rows =
        static_cast<int32_t*>(m.grow(m.rowOfPair, sizeof(int32_t) * std::max<size_t>(pairs, 1)));
    gateTopK(dX, tokens, dForcedIds, ids, w);
    const std::vector<int32_t> offsets = dispatch(ids, tokens, counts, rows);
    const size_t kept = static_cast<size_t>(offsets.back());
    void* xPerm = m.grow(m.xPerm, m.el() * std::max<size_t>(kept, 1) * H);
    void* yPerm = m.grow(m.yPerm, m.el() * std::max<size_t>(kept, 1) * H);
    gatherRows(dX, tokens, rows, xPerm);
    MOE_CUDA(cudaEventRecord(t.routed, m.stream));
    expertFfn(xPerm, offsets, yPerm);
    MOE_CUDA(cudaEventRecord(t.ffn, m.stream));
    combine(yPerm, rows, w, tokens, dY);
    MOE_CUDA(cudaEventRecord(t.done, m.stream));
    t.used = true;
    ++m.forwards;
}

void DeviceMoeLayer::setStream(void* cudaStream) {
    auto& m = *impl_;
    MOE_CUDA(cudaSetDevice(m.device));
    MOE_CUDA(cudaStreamSynchronize(m.stream));  // work on the old stream finishes first
    m.stream = static_cast<cudaStream_t>(cudaStream);
    MOE_CUBLAS(cublasSetStream(m.blas, m.stream));
}

void DeviceMoeLayer::synchronize() {
    MOE_CUDA(cudaSetDevice(impl_->device));
    MOE_CUDA(cudaStreamSynchronize(impl_->stream));
}

std::vector<LayerCounts> DeviceMoeLayer::collectCounts() {
    std::vector<LayerCounts> out(impl_->published.begin(), impl_->published.end());
    impl_->published.clear();
    return out;
}

LayerTimings DeviceMoeLayer::lastTimings() {
    auto& m = *impl_;
    MOE_CUDA(cudaSetDevice(m.device));
    // Newest first: the slot of the latest forward, then older ones.
    for (int back = 1; back <= kTimingSlots; ++back) {
        const int64_t seq = m.forwards - back;
        if (seq < 0) break;
        auto& t = m.timings[seq % kTimingSlots];
        if (!t.used) continue;
        if (cudaEventQuery(t.done) != cudaSuccess) {
            cudaGetLastError();  // "not ready" must not be reported by the next launch check
            continue;
        }
        LayerTimings r;
        MOE_CUDA(cudaEventElapsedTime(&r.routingMs, t.start, t.routed));
        MOE_CUDA(cudaEventElapsedTime(&r.ffnMs, t.routed, t.ffn));
        MOE_CUDA(cudaEventElapsedTime(&r.combineMs, t.ffn, t.done));
        return r;
    }
    return {};
}

}  // namespace moe::gpu
