// Eigen-based implementation of the layer ops. Matrices are row-major maps over the caller's
// buffers (no copies); scratch for the FFN's inner activations is per thread and reused.
#include "core/model/cpu_backend.h"

#include <omp.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <exception>
#include <string>
#include <vector>

#include "core/common/error.h"
#include "core/model/moe_kernels.h"
#include "core/model/small_batch_ffn.h"
#include "core/model/swiglu_eigen.h"

namespace moe {
namespace {
using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMap = Eigen::Map<const RowMat>;
using MutMap = Eigen::Map<RowMat>;

// Per-thread scratch that only grows. Eigen's resize frees and allocates whenever the shape
// changes, which at decode is every expert call; past malloc's mmap threshold each call then
// paid fresh pages, faulted in one by one (a tenth of a decode step's profile). Aligned as
// Eigen aligns its own: vectorised SwiGLU takes its first elements on the scalar path up to
// the first aligned packet, so the bits would otherwise depend on where malloc put them.
using Scratch = std::vector<float, Eigen::aligned_allocator<float>>;
float* scratch(Scratch& buffer, size_t floats) {
    if (buffer.size() < floats) buffer.resize(floats);
    return buffer.data();
}

}  // namespace

void setComputeThreadsForThisThread(int threads) { omp_set_num_threads(std::max(1, threads)); }

void CpuBackend::gateTopK(const GateArgs& a) {
    const MoeLayerConfig& c = *a.config;
    const int E = c.experts, k = c.topK;
    if (a.tokens == 0) return;
    thread_local Scratch scoreBuffer;
    MutMap scores(scratch(scoreBuffer, static_cast<size_t>(a.tokens) * E), a.tokens, E);
    scores.noalias() = ConstMap(a.x, a.tokens, c.hidden) * ConstMap(a.gate, c.hidden, E);
    for (int t = 0; t < a.tokens; ++t) {
        float* row = scores.data() + static_cast<size_t>(t) * E;
        kernels::scoreRow(row, E, c.score);
        int32_t* ids = a.outIds + static_cast<size_t>(t) * k;
        if (a.forcedIds) {
            const int32_t* forced = a.forcedIds + static_cast<size_t>(t) * k;
            for (int j = 0; j < k; ++j) {
                if (forced[j] < 0 || forced[j] >= E)
                    throw Error("forced routing names expert " + std::to_string(forced[j]) +
                                " but the layer has " + std::to_string(E) + " experts");
                ids[j] = forced[j];
            }
        } else {
            kernels::selectTopK(row, E, k, ids);
        }
        kernels::combineWeights(row, ids, k, c.renormalize,
                                a.outWeights + static_cast<size_t>(t) * k);
    }
}

void CpuBackend::expertHistogram(const int32_t* ids, size_t n, int experts, int64_t* counts) {
    for (size_t i = 0; i < n; ++i) {
        const int32_t e = ids[i];
        if (e < 0 || e >= experts)
            throw Error("expert id " + std::to_string(e) + " out of range 0.." +
                        std::to_string(experts - 1));
        ++counts[e];
    }
}

void gemmExpertFfn(const float* x, int rows, int H, int F, const ExpertWeights& w, float* gate,
                   float* up, float* out) {
    MutMap g(gate, rows, F), u(up, rows, F);
    const ConstMap in(x, rows, H);
    g.noalias() = in * ConstMap(w.w1.data(), H, F);
    u.noalias() = in * ConstMap(w.w3.data(), H, F);
    // SwiGLU: silu(g) * u, with silu(g) = g * sigmoid(g).
    g.array() = kernels::swigluArray(g, u);
    MutMap(out, rows, H).noalias() = g * ConstMap(w.w2.data(), F, H);
}

void CpuBackend::expertFfn(const FfnArgs& a) {
    if (a.rows == 0) return;
    const int H = a.hidden, F = a.ffn;
    thread_local Scratch gateBuffer, upBuffer;
    const size_t scratchFloats = static_cast<size_t>(a.rows) * F;
    float* gate = scratch(gateBuffer, scratchFloats);
    float* up = scratch(upBuffer, scratchFloats);
    const ExpertWeights& w = *a.weights;
    // Where the small-batch kernel wins (small weights, or up to 128 rows): GEMM's packing and
    // blocking would be most of the call, so each weight is read once per call instead, as the
    // same values in bf16, packed: half the bytes, streamed while they are multiplied.
    if (!w.gateUpBf16.empty() && kernels::smallBatchWins(a.rows, H, F))
        kernels::smallBatchFfn(a.x, a.rows, H, F, w.packedBf16(), gate, up, a.out);
    else
        gemmExpertFfn(a.x, a.rows, H, F, w, gate, up, a.out);
}

namespace {

FfnArgs expertArgs(const FfnGroupArgs& a, int e) {
    const int begin = a.offsets[e];
    return {&a.weights[e],
            a.hidden,
            a.ffn,
            a.x + static_cast<size_t>(begin) * a.hidden,
            a.offsets[e + 1] - begin,
            a.out + static_cast<size_t>(begin) * a.hidden};
}

}  // namespace

void CpuBackend::expertFfnGroup(const FfnGroupArgs& a) {
    const int threads = omp_get_max_threads();
    const long long total = a.offsets[a.experts] - a.offsets[0];
    std::vector<int> wide, narrow;  // by rows, largest first
    for (int e = 0; e < a.experts; ++e) {
        const long long n = a.offsets[e + 1] - a.offsets[e];
        if (n == 0) continue;
        (threads > 1 && n * threads < total ? narrow : wide).push_back(e);
    }
    for (int e : wide) expertFfn(expertArgs(a, e));
    if (narrow.empty()) return;
    std::stable_sort(narrow.begin(), narrow.end(), [&](int x, int y) {
        return a.offsets[x + 1] - a.offsets[x] > a.offsets[y + 1] - a.offsets[y];
    });
    std::exception_ptr failure;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (size_t i = 0; i < narrow.size(); ++i) {
        try {
            expertFfn(expertArgs(a, narrow[i]));  // Eigen runs single-threaded inside
        } catch (...) {
#pragma omp critical(moe_expert_group_failure)
            failure = std::current_exception();
        }
    }
    if (failure) std::rethrow_exception(failure);
}

}  // namespace moe
