// Forward and backward of the trainable MoE layer. The forward follows MoeLayer::forward step
// by step (gate product, kernels::scoreRow/selectTopK/combineWeights, applyCapacity,
// groupByExpert, SwiGLU experts, weighted combine); experts run in parallel over OpenMP
// threads, each writing only its own rows and its own weight gradients, so results do not
// depend on scheduling and a run is reproducible with the same thread count.
#include "core/model/moe_train_layer.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/model/moe_kernels.h"
#include "core/model/moe_layer.h"
#include "core/model/swiglu_eigen.h"

namespace moe {
namespace {
template <typename T>
using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename T>
using CMap = Eigen::Map<const Mat<T>>;
template <typename T>
using MMap = Eigen::Map<Mat<T>>;
}  // namespace

template <typename T>
MoeTrainLayer<T>::MoeTrainLayer(const MoeLayerConfig& config) : config_(config) {
    config_.validate();
}

template <typename T>
void MoeTrainLayer<T>::forward(const MoeTrainParams<T>& p, const T* x, int tokens, T* y,
                               MoeTrainCache<T>& c, const T* gateInput) const {
    const int H = config_.hidden, F = config_.ffn, E = config_.experts, k = config_.topK;
    const int pairs = tokens * k;
    c.tokens = tokens;
    c.scores.resize(static_cast<size_t>(tokens) * E);
    c.ids.resize(pairs);
    c.weights.resize(pairs);
    c.counts.assign(E, 0);
    MMap<T>(c.scores.data(), tokens, E).noalias() =
        CMap<T>(gateInput ? gateInput : x, tokens, H) * CMap<T>(p.gate, H, E);
    std::vector<T> biased(E);
    for (int t = 0; t < tokens; ++t) {
        T* row = c.scores.data() + static_cast<size_t>(t) * E;
        kernels::scoreRow(row, E, config_.score);
        int32_t* ids = c.ids.data() + static_cast<size_t>(t) * k;
        if (p.selectionBias) {
            for (int e = 0; e < E; ++e) biased[e] = row[e] + static_cast<T>(p.selectionBias[e]);
            kernels::selectTopK(biased.data(), E, k, ids);
        } else {
            kernels::selectTopK(row, E, k, ids);
        }
        kernels::combineWeights(row, ids, k, config_.renormalize,
                                c.weights.data() + static_cast<size_t>(t) * k);
        for (int j = 0; j < k; ++j) ++c.counts[ids[j]];
    }
    std::vector<int32_t> kept(pairs);
    const std::vector<int64_t> zero(E, 0);
    c.dropped =
        applyCapacity(c.ids.data(), pairs, config_.capacity(tokens), zero.data(), E, kept.data());
    c.grouping = groupByExpert(kept.data(), pairs, E);
    const ExpertGrouping& g = c.grouping;
    const int rows = static_cast<int>(g.order.size());
    c.xin.resize(static_cast<size_t>(rows) * H);
    c.h1.resize(static_cast<size_t>(rows) * F);
    c.h3.resize(c.h1.size());
    c.act.resize(c.h1.size());
    c.yout.resize(c.xin.size());
    for (int i = 0; i < rows; ++i)
        std::copy_n(x + static_cast<size_t>(g.order[i] / k) * H, H,
                    c.xin.data() + static_cast<size_t>(i) * H);
    const size_t HF = static_cast<size_t>(H) * F;
#pragma omp parallel for schedule(dynamic, 1)
    for (int e = 0; e < E; ++e) {
        const int b = g.offsets[e], n = g.offsets[e + 1] - b;
        if (n == 0) continue;
        const CMap<T> xe(c.xin.data() + static_cast<size_t>(b) * H, n, H);
        MMap<T> h1(c.h1.data() + static_cast<size_t>(b) * F, n, F);
        MMap<T> h3(c.h3.data() + static_cast<size_t>(b) * F, n, F);
        MMap<T> act(c.act.data() + static_cast<size_t>(b) * F, n, F);
        h1.noalias() = xe * CMap<T>(p.w1 + e * HF, H, F);
        h3.noalias() = xe * CMap<T>(p.w3 + e * HF, H, F);
        // Into an aligned temporary first: Eigen peels unaligned leading elements onto the
        // scalar exp, so writing through a Map would make results depend on where the buffer
        // happens to be allocated, and a resumed run would drift from the uninterrupted one.
        Mat<T> a(n, F);
        a.array() = kernels::swigluArray(h1, h3);
        act = a;
        MMap<T>(c.yout.data() + static_cast<size_t>(b) * H, n, H).noalias() =
            act * CMap<T>(p.w2 + e * HF, F, H);
    }
    std::fill(y, y + static_cast<size_t>(tokens) * H, T(0));
    for (int i = 0; i < rows; ++i) {
        const int pair = g.order[i];
        const T w = c.weights[pair];
        T* dst = y + static_cast<size_t>(pair / k) * H;
        const T* src = c.yout.data() + static_cast<size_t>(i) * H;
        for (int h = 0; h < H; ++h) dst[h] += w * src[h];
    }
}

template <typename T>
T MoeTrainLayer<T>::switchAuxLoss(const MoeTrainCache<T>& c, double coef) const {
    const int E = config_.experts, k = config_.topK;
    if (coef == 0 || c.tokens == 0) return T(0);
    T sum = 0;
    for (int e = 0; e < E; ++e) {
        T meanScore = 0;
        for (int t = 0; t < c.tokens; ++t) meanScore += c.scores[static_cast<size_t>(t) * E + e];
        meanScore /= c.tokens;
        const T f = static_cast<T>(c.counts[e]) / (static_cast<T>(c.tokens) * k);
        sum += f * meanScore;
    }
    return static_cast<T>(coef) * E * sum;
}

template <typename T>
void MoeTrainLayer<T>::backward(const MoeTrainParams<T>& p, const MoeTrainCache<T>& c, const T* x,
                                const T* dy, double auxCoef, T* dx, MoeTrainGrads<T>& grads,
                                const T* gateInput, T* dGateInput) const {
    const int H = config_.hidden, F = config_.ffn, E = config_.experts, k = config_.topK;
    const int tokens = c.tokens;
    const ExpertGrouping& g = c.grouping;
    const int rows = static_cast<int>(g.order.size());
    // Combine: y_t = sum_j w_tj * yout_row, so dyout_row = w * dy_t and dw_tj = dy_t . yout_row.
    std::vector<T> dyout(static_cast<size_t>(rows) * H), dxin(dyout.size());
    std::vector<T> dweights(static_cast<size_t>(tokens) * k, T(0));
    for (int i = 0; i < rows; ++i) {
        const int pair = g.order[i];
        const T* dyt = dy + static_cast<size_t>(pair / k) * H;
        const T* yo = c.yout.data() + static_cast<size_t>(i) * H;
        T* d = dyout.data() + static_cast<size_t>(i) * H;
        T dot = 0;
        for (int h = 0; h < H; ++h) {
            d[h] = c.weights[pair] * dyt[h];
            dot += dyt[h] * yo[h];
        }
        dweights[pair] = dot;
    }
    const size_t HF = static_cast<size_t>(H) * F;
#pragma omp parallel for schedule(dynamic, 1)
    for (int e = 0; e < E; ++e) {
        const int b = g.offsets[e], n = g.offsets[e + 1] - b;
        if (n == 0) continue;
        const CMap<T> xe(c.xin.data() + static_cast<size_t>(b) * H, n, H);
        const CMap<T> h1(c.h1.data() + static_cast<size_t>(b) * F, n, F);
        const CMap<T> h3(c.h3.data() + static_cast<size_t>(b) * F, n, F);
        const CMap<T> act(c.act.data() + static_cast<size_t>(b) * F, n, F);
        const CMap<T> dye(dyout.data() + static_cast<size_t>(b) * H, n, H);
        MMap<T>(grads.w2 + e * HF, F, H).noalias() += act.transpose() * dye;
        Mat<T> dact = dye * CMap<T>(p.w2 + e * HF, F, H).transpose();
        // act = silu(h1) * h3; silu'(z) = s(z) * (1 + z * (1 - s(z))) with s the sigmoid.
        const auto sig = (T(1) / (T(1) + (-h1.array()).exp())).eval();
        const Mat<T> dh3 = (dact.array() * h1.array() * sig).matrix();
        const Mat<T> dh1 =
            (dact.array() * h3.array() * sig * (T(1) + h1.array() * (T(1) - sig))).matrix();
        MMap<T>(grads.w1 + e * HF, H, F).noalias() += xe.transpose() * dh1;
        MMap<T>(grads.w3 + e * HF, H, F).noalias() += xe.transpose() * dh3;
        MMap<T> dxe(dxin.data() + static_cast<size_t>(b) * H, n, H);
        dxe.noalias() = dh1 * CMap<T>(p.w1 + e * HF, H, F).transpose();
        dxe.noalias() += dh3 * CMap<T>(p.w3 + e * HF, H, F).transpose();
    }
    std::fill(dx, dx + static_cast<size_t>(tokens) * H, T(0));
    for (int i = 0; i < rows; ++i) {
        T* d = dx + static_cast<size_t>(g.order[i] / k) * H;
        const T* s = dxin.data() + static_cast<size_t>(i) * H;
        for (int h = 0; h < H; ++h) d[h] += s[h];
    }
    // Combine weights -> scores (through the optional renormalisation), plus the aux loss.
    Mat<T> dlogits = Mat<T>::Zero(tokens, E);
    for (int t = 0; t < tokens; ++t) {
        const int32_t* ids = c.ids.data() + static_cast<size_t>(t) * k;
        const T* w = c.weights.data() + static_cast<size_t>(t) * k;
        const T* dw = dweights.data() + static_cast<size_t>(t) * k;
        const T* s = c.scores.data() + static_cast<size_t>(t) * E;
        T* ds = dlogits.data() + static_cast<size_t>(t) * E;
        T sum = 0, inner = 0;
        for (int j = 0; j < k; ++j) {
            sum += s[ids[j]];
            inner += dw[j] * w[j];
        }
        const bool renorm = config_.renormalize && sum > 0;
        for (int j = 0; j < k; ++j) ds[ids[j]] += renorm ? (dw[j] - inner) / sum : dw[j];
    }
    if (auxCoef != 0 && tokens > 0)
        for (int e = 0; e < E; ++e) {
            const T grad = static_cast<T>(auxCoef) * E * static_cast<T>(c.counts[e]) /
                           (static_cast<T>(tokens) * k) / tokens;
            dlogits.col(e).array() += grad;
        }
    for (int t = 0; t < tokens; ++t) {
        const T* s = c.scores.data() + static_cast<size_t>(t) * E;
        T* d = dlogits.data() + static_cast<size_t>(t) * E;
        if (config_.score == ScoreFunction::Softmax) {
            T dot = 0;
            for (int e = 0; e < E; ++e) dot += d[e] * s[e];
            for (int e = 0; e < E; ++e) d[e] = s[e] * (d[e] - dot);
        } else {
            for (int e = 0; e < E; ++e) d[e] *= s[e] * (T(1) - s[e]);
        }
    }
    const T* gx = gateInput ? gateInput : x;
    MMap<T>(grads.gate, H, E).noalias() += CMap<T>(gx, tokens, H).transpose() * dlogits;
    if (gateInput)
        MMap<T>(dGateInput, tokens, H).noalias() = dlogits * CMap<T>(p.gate, H, E).transpose();
    else
        MMap<T>(dx, tokens, H).noalias() += dlogits * CMap<T>(p.gate, H, E).transpose();
}

template class MoeTrainLayer<float>;
template class MoeTrainLayer<double>;

}  // namespace moe
