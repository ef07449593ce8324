// Per (sequence, head) Eigen blocks over the tokens x D buffers. Heads run in parallel over
// OpenMP threads; each writes only its own slice, so the result does not depend on scheduling.
#include "core/train/causal_attention.h"

#include <cmath>
#include <limits>

#include "core/train/eigen_types.h"
#include "core/train/linear.h"

namespace moe::train {

template <typename T>
void attentionForward(const AttentionShape& s, const AttentionWeights<T>& w, const T* x, T* out,
                      AttentionCache<T>& c) {
    const int N = s.tokens(), D = s.width, S = s.seq, dh = D / s.heads;
    const size_t nd = static_cast<size_t>(N) * D;
    c.q.resize(nd);
    c.k.resize(nd);
    c.v.resize(nd);
    c.o.resize(nd);
    c.probs.assign(static_cast<size_t>(s.batch) * s.heads * S * S, T(0));
    linearForward(x, N, D, w.wq, D, c.q.data());
    linearForward(x, N, D, w.wk, D, c.k.data());
    linearForward(x, N, D, w.wv, D, c.v.data());
    const T scale = T(1) / std::sqrt(static_cast<T>(dh));
#pragma omp parallel for schedule(static)
    for (int bh = 0; bh < s.batch * s.heads; ++bh) {
        const int b = bh / s.heads, h = bh % s.heads;
        const size_t off = static_cast<size_t>(b) * S * D + static_cast<size_t>(h) * dh;
        const Eigen::OuterStride<> stride(D);
        const CStrided<T> q(c.q.data() + off, S, dh, stride), k(c.k.data() + off, S, dh, stride),
            v(c.v.data() + off, S, dh, stride);
        MMap<T> p(c.probs.data() + static_cast<size_t>(bh) * S * S, S, S);
        p.noalias() = (q * k.transpose()) * scale;
        for (int i = 0; i < S; ++i) {
            T mx = p(i, 0);
            for (int j = 1; j <= i; ++j) mx = std::max(mx, p(i, j));
            T sum = 0;
            for (int j = 0; j <= i; ++j) sum += (p(i, j) = std::exp(p(i, j) - mx));
            for (int j = 0; j <= i; ++j) p(i, j) /= sum;
            for (int j = i + 1; j < S; ++j) p(i, j) = 0;
        }
        MStrided<T>(c.o.data() + off, S, dh, stride).noalias() = p * v;
    }
    linearForward(c.o.data(), N, D, w.wo, D, out);
}

template <typename T>
void attentionBackward(const AttentionShape& s, const AttentionWeights<T>& w, const T* x,
                       const AttentionCache<T>& c, const T* dout, T* dx, AttentionGrads<T>& g) {
    const int N = s.tokens(), D = s.width, S = s.seq, dh = D / s.heads;
    const size_t nd = static_cast<size_t>(N) * D;
    std::vector<T> dO(nd), dQ(nd), dK(nd), dV(nd);
    linearBackward(c.o.data(), N, D, w.wo, D, dout, dO.data(), g.wo);
    const T scale = T(1) / std::sqrt(static_cast<T>(dh));
#pragma omp parallel for schedule(static)
    for (int bh = 0; bh < s.batch * s.heads; ++bh) {
        const int b = bh / s.heads, h = bh % s.heads;
        const size_t off = static_cast<size_t>(b) * S * D + static_cast<size_t>(h) * dh;
        const Eigen::OuterStride<> stride(D);
        const CStrided<T> q(c.q.data() + off, S, dh, stride), k(c.k.data() + off, S, dh, stride),
            v(c.v.data() + off, S, dh, stride), dOh(dO.data() + off, S, dh, stride);
        const CMap<T> p(c.probs.data() + static_cast<size_t>(bh) * S * S, S, S);
        MStrided<T>(dV.data() + off, S, dh, stride).noalias() = p.transpose() * dOh;
        Mat<T> dp = dOh * v.transpose();
        // Softmax backward per row: ds = p .* (dp - sum_j p_j dp_j); masked entries have p = 0.
        for (int i = 0; i < S; ++i) {
            T dot = 0;
            for (int j = 0; j <= i; ++j) dot += p(i, j) * dp(i, j);
            for (int j = 0; j < S; ++j) dp(i, j) = j <= i ? p(i, j) * (dp(i, j) - dot) * scale : 0;
        }
        MStrided<T>(dQ.data() + off, S, dh, stride).noalias() = dp * k;
        MStrided<T>(dK.data() + off, S, dh, stride).noalias() = dp.transpose() * q;
    }
    linearBackward(x, N, D, w.wq, D, dQ.data(), dx, g.wq, false);
    linearBackward(x, N, D, w.wk, D, dK.data(), dx, g.wk, true);
    linearBackward(x, N, D, w.wv, D, dV.data(), dx, g.wv, true);
}

#define MOE_INSTANTIATE(T)                                                                         \
    template void attentionForward<T>(const AttentionShape&, const AttentionWeights<T>&, const T*, \
                                      T*, AttentionCache<T>&);                                     \
    template void attentionBackward<T>(const AttentionShape&, const AttentionWeights<T>&,          \
                                       const T*, const AttentionCache<T>&, const T*, T*,           \
                                       AttentionGrads<T>&);
MOE_INSTANTIATE(float)
MOE_INSTANTIATE(double)
#undef MOE_INSTANTIATE

}  // namespace moe::train
