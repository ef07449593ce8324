// Forward and backward of the MoE language model, composed from the op files of core/train and
// the core's trainable MoE layer. Residual stream: x <- x + attn(norm1(x)); x <- x + moe(norm2(x)).
// A pre-gated model's block l routes by norm2 of block l-1 (Pre-gated MoE, arXiv 2308.12066).
#include "core/train/lm_model.h"

#include <algorithm>
#include <cmath>

#include "core/common/error.h"
#include "core/model/expert_weights.h"
#include "core/train/cross_entropy.h"
#include "core/train/linear.h"
#include "core/train/rms_norm.h"

namespace moe::train {

template <typename T>
int LmModel<T>::addParam(const std::string& name, size_t n, double stddev, uint64_t seed,
                         bool decay, double constant) {
    Param<T> p;
    p.name = name;
    p.decay = decay;
    p.grad.assign(n, T(0));
    if (stddev > 0) {
        // The core's seeded uniform fill (variance 1 with fanIn 1), scaled: float and double
        // models built from one seed start from identical values.
        std::vector<float> unit;
        ModelWeights::fill(unit, n, 1,
                           ModelWeights::streamSeed(seed, static_cast<int>(params_.size()), 0, 7));
        p.value.resize(n);
        for (size_t i = 0; i < n; ++i) p.value[i] = static_cast<T>(unit[i] * stddev);
    } else {
        p.value.assign(n, static_cast<T>(constant));
    }
    params_.push_back(std::move(p));
    return static_cast<int>(params_.size()) - 1;
}

template <typename T>
LmModel<T>::LmModel(const LmConfig& config, uint64_t seed)
    : config_(config), moe_((config.validate(), config.moeLayer())) {
    const size_t V = config.vocab, D = config.width, E = config.experts, F = config.ffn;
    const double residual = 1.0 / std::sqrt(2.0 * config.blocks);  // GPT-2's residual scaling
    tokEmb_ = addParam("tok_emb", V * D, 0.1, seed, false);
    posEmb_ = addParam("pos_emb", static_cast<size_t>(config.context) * D, 0.1, seed, false);
    for (int l = 0; l < config.blocks; ++l) {
        const std::string b = "block" + std::to_string(l) + ".";
        BlockIndex ix;
        ix.norm1 = addParam(b + "norm1", D, 0, seed, false, 1.0);
        ix.wq = addParam(b + "wq", D * D, 1 / std::sqrt(double(D)), seed, true);
        ix.wk = addParam(b + "wk", D * D, 1 / std::sqrt(double(D)), seed, true);
        ix.wv = addParam(b + "wv", D * D, 1 / std::sqrt(double(D)), seed, true);
        ix.wo = addParam(b + "wo", D * D, residual / std::sqrt(double(D)), seed, true);
        ix.norm2 = addParam(b + "norm2", D, 0, seed, false, 1.0);
        ix.gate = addParam(b + "gate", D * E, 1 / std::sqrt(double(D)), seed, true);
        ix.w1 = addParam(b + "w1", E * D * F, 1 / std::sqrt(double(D)), seed, true);
        ix.w3 = addParam(b + "w3", E * D * F, 1 / std::sqrt(double(D)), seed, true);
        ix.w2 = addParam(b + "w2", E * F * D, residual / std::sqrt(double(F)), seed, true);
        index_.push_back(ix);
    }
    normF_ = addParam("norm_f", D, 0, seed, false, 1.0);
    // A small head: the first loss is close to ln(vocab), the loss of knowing nothing.
    head_ = addParam("head", D * V, 0.02, seed, true);
    bias_.assign(config.blocks, {});
    blocks_.resize(config.blocks);
}

template <typename T>
size_t LmModel<T>::parameterCount() const {
    size_t n = 0;
    for (const auto& p : params_) n += p.value.size();
    return n;
}

template <typename T>
void LmModel<T>::zeroGrad() {
    for (auto& p : params_) std::fill(p.grad.begin(), p.grad.end(), T(0));
}

template <typename T>
MoeTrainParams<T> LmModel<T>::moeParams(int l) const {
    const BlockIndex& ix = index_[l];
    MoeTrainParams<T> p;
    p.gate = params_[ix.gate].value.data();
    p.w1 = params_[ix.w1].value.data();
    p.w3 = params_[ix.w3].value.data();
    p.w2 = params_[ix.w2].value.data();
    p.selectionBias = bias_[l].empty() ? nullptr : bias_[l].data();
    return p;
}

template <typename T>
double LmModel<T>::forwardBlock(int l, std::vector<T>& x, std::vector<T>& tmp,
                                const AttentionShape& shape, double auxCoef) {
    const int D = config_.width;
    const size_t N = tokens_, ND = N * D;
    const BlockIndex& ix = index_[l];
    BlockCache& c = blocks_[l];
    c.xIn = x;
    c.n1.resize(ND);
    c.inv1.resize(N);
    rmsNormForward(x.data(), tokens_, D, params_[ix.norm1].value.data(), c.n1.data(),
                   c.inv1.data());
    const AttentionWeights<T> aw{params_[ix.wq].value.data(), params_[ix.wk].value.data(),
                                 params_[ix.wv].value.data(), params_[ix.wo].value.data()};
    attentionForward(shape, aw, c.n1.data(), tmp.data(), c.attn);
    for (size_t i = 0; i < ND; ++i) x[i] += tmp[i];
    c.xMid = x;
    c.n2.resize(ND);
    c.inv2.resize(N);
    rmsNormForward(x.data(), tokens_, D, params_[ix.norm2].value.data(), c.n2.data(),
                   c.inv2.data());
    // Pre-gated (Pre-gated MoE): block l's gate reads block l-1's router input, so its
    // selection is known a whole block early; block 0 routes by its own.
    const T* gateInput = config_.pregated && l > 0 ? blocks_[l - 1].n2.data() : nullptr;
    moe_.forward(moeParams(l), c.n2.data(), tokens_, tmp.data(), c.moe, gateInput);
    for (size_t i = 0; i < ND; ++i) x[i] += tmp[i];
    return static_cast<double>(moe_.switchAuxLoss(c.moe, auxCoef));
}

template <typename T>
LossParts LmModel<T>::forward(const int32_t* tokens, const int32_t* targets, int batch, int seq,
                              double auxCoef) {
    const int D = config_.width, V = config_.vocab;
    if (batch < 1 || seq < 1 || seq > config_.context)
        throw Error("model forward: batch " + std::to_string(batch) + " x seq " +
                    std::to_string(seq) + " outside the context of " +
                    std::to_string(config_.context));
    batch_ = batch;
    seq_ = seq;
    tokens_ = batch * seq;
    auxCoef_ = auxCoef;
    const size_t N = tokens_, ND = N * D;
    inputs_.assign(tokens, tokens + N);
    targets_.assign(targets, targets + N);
    std::vector<T> x(ND);
    const T* tok = params_[tokEmb_].value.data();
    const T* pos = params_[posEmb_].value.data();
    for (size_t t = 0; t < N; ++t) {
        if (inputs_[t] < 0 || inputs_[t] >= V || targets_[t] < 0 || targets_[t] >= V)
            throw Error("model forward: token id outside the vocabulary of " + std::to_string(V));
        const T* a = tok + static_cast<size_t>(inputs_[t]) * D;
        const T* b = pos + (t % seq) * D;
        for (int d = 0; d < D; ++d) x[t * D + d] = a[d] + b[d];
    }
    const AttentionShape shape{batch, seq, D, config_.heads};
    LossParts loss;
    std::vector<T> tmp(ND);
    for (int l = 0; l < config_.blocks; ++l) loss.aux += forwardBlock(l, x, tmp, shape, auxCoef);
    xFinal_ = x;
    nF_.resize(ND);
    invF_.resize(N);
    rmsNormForward(x.data(), tokens_, D, params_[normF_].value.data(), nF_.data(), invF_.data());
    std::vector<T> logits(N * V);
    linearForward(nF_.data(), tokens_, D, params_[head_].value.data(), V, logits.data());
    dlogits_.resize(logits.size());
    loss.crossEntropy = static_cast<double>(
        crossEntropy(logits.data(), tokens_, V, targets_.data(), dlogits_.data()));
    return loss;
}

template <typename T>
void LmModel<T>::backwardBlock(int l, std::vector<T>& dx, const AttentionShape& shape) {
    const int D = config_.width;
    const BlockIndex& ix = index_[l];
    const BlockCache& c = blocks_[l];
    const size_t ND = dx.size();
    std::vector<T> dn(ND), dres(ND);
    MoeTrainGrads<T> mg{params_[ix.gate].grad.data(), params_[ix.w1].grad.data(),
                        params_[ix.w3].grad.data(), params_[ix.w2].grad.data()};
    // Pre-gated: this block's gate read block l-1's router input; its gradient is carried down
    // to that block, and what block l+1's gate sent here joins this block's own.
    const bool pregated = config_.pregated && l > 0;
    std::vector<T> dGate(pregated ? ND : 0);
    moe_.backward(moeParams(l), c.moe, c.n2.data(), dx.data(), auxCoef_, dn.data(), mg,
                  pregated ? blocks_[l - 1].n2.data() : nullptr, pregated ? dGate.data() : nullptr);
    for (size_t i = 0; i < gateCarry_.size(); ++i) dn[i] += gateCarry_[i];
    gateCarry_ = std::move(dGate);
    rmsNormBackward(c.xMid.data(), tokens_, D, params_[ix.norm2].value.data(), c.inv2.data(),
                    dn.data(), dres.data(), params_[ix.norm2].grad.data());
    for (size_t i = 0; i < ND; ++i) dx[i] += dres[i];
    const AttentionWeights<T> aw{params_[ix.wq].value.data(), params_[ix.wk].value.data(),
                                 params_[ix.wv].value.data(), params_[ix.wo].value.data()};
    AttentionGrads<T> ag{params_[ix.wq].grad.data(), params_[ix.wk].grad.data(),
                         params_[ix.wv].grad.data(), params_[ix.wo].grad.data()};
    attentionBackward(shape, aw, c.n1.data(), c.attn, dx.data(), dn.data(), ag);
    rmsNormBackward(c.xIn.data(), tokens_, D, params_[ix.norm1].value.data(), c.inv1.data(),
                    dn.data(), dres.data(), params_[ix.norm1].grad.data());
    for (size_t i = 0; i < ND; ++i) dx[i] += dres[i];
}

template <typename T>
void LmModel<T>::backward() {
    if (tokens_ == 0) throw Error("model backward called before forward");
    const int D = config_.width, V = config_.vocab;
    const size_t ND = static_cast<size_t>(tokens_) * D;
    std::vector<T> dn(ND), dx(ND);
    linearBackward(nF_.data(), tokens_, D, params_[head_].value.data(), V, dlogits_.data(),
                   dn.data(), params_[head_].grad.data());
    rmsNormBackward(xFinal_.data(), tokens_, D, params_[normF_].value.data(), invF_.data(),
                    dn.data(), dx.data(), params_[normF_].grad.data());
    const AttentionShape shape{batch_, seq_, D, config_.heads};
    gateCarry_.clear();
    for (int l = config_.blocks - 1; l >= 0; --l) backwardBlock(l, dx, shape);
    T* dtok = params_[tokEmb_].grad.data();
    T* dpos = params_[posEmb_].grad.data();
    for (int t = 0; t < tokens_; ++t)
        for (int d = 0; d < D; ++d) {
            const T g = dx[static_cast<size_t>(t) * D + d];
            dtok[static_cast<size_t>(inputs_[t]) * D + d] += g;
            dpos[static_cast<size_t>(t % seq_) * D + d] += g;
        }
}

template class LmModel<float>;
template class LmModel<double>;

}  // namespace moe::train
