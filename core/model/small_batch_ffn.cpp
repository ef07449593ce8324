// See small_batch_ffn.h. Columns go 16 at a time (one AVX-512 register of floats; GCC/Clang
// vector extensions, so other targets get the same code in narrower registers), rows up to 8
// at a time as a template parameter so their accumulators stay in registers. Columns past the
// last multiple of 16 take a scalar loop with the same order of sums (k ascending).
#include "core/model/small_batch_ffn.h"

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

#include "core/model/swiglu_eigen.h"

namespace moe::kernels {

namespace {

constexpr int kLanes = 16;
constexpr int kRowBlock = 8;
using Vec = float __attribute__((vector_size(kLanes * sizeof(float))));

Vec load(const float* p) {
    Vec v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

void store(float* p, Vec v) { std::memcpy(p, &v, sizeof v); }

// Columns [n, n + C*16) of R rows of a (row stride lda, K columns) times b1 (K x N):
// c1[r][j] = sum_k a[r][k] b1[k][j], and the same with b2 into c2 when Pair (gate and up share
// every load of a). R x C independent accumulators per product hide the FMA latency.
template <int R, int C, bool Pair>
void columnBlock(const float* a, int lda, int K, int N, int n, const float* b1, const float* b2,
                 float* c1, float* c2, int ldc) {
    Vec acc1[R][C] = {}, acc2[R][C] = {};
    for (int k = 0; k < K; ++k) {
        Vec w1[C], w2[C];
        for (int c = 0; c < C; ++c) {
            w1[c] = load(b1 + static_cast<size_t>(k) * N + n + c * kLanes);
            if (Pair) w2[c] = load(b2 + static_cast<size_t>(k) * N + n + c * kLanes);
        }
        for (int r = 0; r < R; ++r) {
            const float xr = a[static_cast<size_t>(r) * lda + k];
            for (int c = 0; c < C; ++c) {
                acc1[r][c] += xr * w1[c];
                if (Pair) acc2[r][c] += xr * w2[c];
            }
        }
    }
    for (int r = 0; r < R; ++r)
        for (int c = 0; c < C; ++c) {
            store(c1 + static_cast<size_t>(r) * ldc + n + c * kLanes, acc1[r][c]);
            if (Pair) store(c2 + static_cast<size_t>(r) * ldc + n + c * kLanes, acc2[r][c]);
        }
}

// R rows: as many columns as possible C*16 at a time (C = 8 / R, at least 1), then 16 at a
// time, then one at a time.
template <int R, bool Pair>
void rowsTimesMatrix(const float* a, int lda, int K, int N, const float* b1, const float* b2,
                     float* c1, float* c2, int ldc) {
    constexpr int C = R >= 8 ? 1 : 8 / R;
    int n = 0;
    for (; n + C * kLanes <= N; n += C * kLanes)
        columnBlock<R, C, Pair>(a, lda, K, N, n, b1, b2, c1, c2, ldc);
    for (; n + kLanes <= N; n += kLanes)
        columnBlock<R, 1, Pair>(a, lda, K, N, n, b1, b2, c1, c2, ldc);
    for (; n < N; ++n)
        for (int r = 0; r < R; ++r) {
            float s1 = 0, s2 = 0;
            for (int k = 0; k < K; ++k) {
                const float xr = a[static_cast<size_t>(r) * lda + k];
                s1 += xr * b1[static_cast<size_t>(k) * N + n];
                if (Pair) s2 += xr * b2[static_cast<size_t>(k) * N + n];
            }
            c1[static_cast<size_t>(r) * ldc + n] = s1;
            if (Pair) c2[static_cast<size_t>(r) * ldc + n] = s2;
        }
}

using Block = void (*)(const float*, int, int, int, const float*, const float*, float*, float*,
                       int);

template <bool Pair, int... R>
constexpr std::array<Block, sizeof...(R)> blocksFor(std::integer_sequence<int, R...>) {
    return {&rowsTimesMatrix<R + 1, Pair>...};
}

// kBlocks[R - 1] takes R rows of one product, kPairBlocks[R - 1] of two.
constexpr auto kBlocks = blocksFor<false>(std::make_integer_sequence<int, kRowBlock>{});
constexpr auto kPairBlocks = blocksFor<true>(std::make_integer_sequence<int, kRowBlock>{});

void product(const float* a, int rows, int K, int N, const float* b1, const float* b2, float* c1,
             float* c2) {
    for (int r = 0; r < rows; r += kRowBlock) {
        const int n = std::min(kRowBlock, rows - r);
        const size_t aOff = static_cast<size_t>(r) * K, cOff = static_cast<size_t>(r) * N;
        (b2 ? kPairBlocks : kBlocks)[n - 1](a + aOff, K, K, N, b1, b2, c1 + cOff,
                                            c2 ? c2 + cOff : nullptr, N);
    }
}

}  // namespace

void smallBatchFfn(const float* x, int rows, int H, int F, const float* w1, const float* w3,
                   const float* w2, float* gate, float* up, float* out) {
    if (rows <= 0) return;
    product(x, rows, H, F, w1, w3, gate, up);
    using Array = Eigen::Map<Eigen::ArrayXf>;
    const Eigen::Index n = static_cast<Eigen::Index>(rows) * F;
    Array g(gate, n);
    g = swigluArray(g.matrix(), Array(up, n).matrix());
    product(gate, rows, F, H, w2, nullptr, out, nullptr);
}

}  // namespace moe::kernels
