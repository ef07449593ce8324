// The small MoE language model: token and position embeddings, `blocks` pre-norm blocks of
// (RMSNorm, causal self-attention, RMSNorm, MoE FFN = the core's MoE layer), final RMSNorm and
// an LM head. Forward keeps what backward needs; backward fills every parameter's gradient.
// Templated on the scalar so the finite-difference checks run this very code in double.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/model/moe_train_layer.h"
#include "core/train/causal_attention.h"
#include "core/train/lm_config.h"

namespace moe::train {

template <typename T>
struct Param {
    std::string name;
    std::vector<T> value, grad;
    bool decay = true;  // weight decay applies (matrices), not to norm gains
};

struct LossParts {
    double crossEntropy = 0;  // nats per token
    double aux = 0;           // sum over layers of the switch loss (0 unless enabled)
    double total() const { return crossEntropy + aux; }
};

template <typename T>
class LmModel {
public:
    // Weights are drawn from `seed` (same seed, same model, float or double).
    LmModel(const LmConfig& config, uint64_t seed);

    // tokens and targets are batch x seq (seq <= context). auxCoef > 0 adds the switch loss.
    LossParts forward(const int32_t* tokens, const int32_t* targets, int batch, int seq,
                      double auxCoef);
    // Adds the gradients of the last forward's total loss to every Param::grad.
    void backward();
    void zeroGrad();

    const LmConfig& config() const { return config_; }
    std::vector<Param<T>>& params() { return params_; }
    const std::vector<Param<T>>& params() const { return params_; }
    size_t parameterCount() const;

    // Aux-loss-free balancing: per block, E selection biases (empty = none).
    std::vector<std::vector<float>>& selectionBias() { return bias_; }
    const std::vector<std::vector<float>>& selectionBias() const { return bias_; }
    // Routing of the last forward in block l, and the router's input (tokens x width).
    const MoeTrainCache<T>& routing(int l) const { return blocks_[l].moe; }
    const std::vector<T>& routerInput(int l) const { return blocks_[l].n2; }
    // What entered block l in the last forward (block 0: token + position embeddings).
    const std::vector<T>& blockInput(int l) const { return blocks_[l].xIn; }
    int lastTokens() const { return tokens_; }

private:
    struct BlockIndex {
        int norm1, wq, wk, wv, wo, norm2, gate, w1, w3, w2;
    };
    struct BlockCache {
        std::vector<T> xIn, n1, inv1, xMid, n2, inv2;
        AttentionCache<T> attn;
        MoeTrainCache<T> moe;
    };
    int addParam(const std::string& name, size_t n, double stddev, uint64_t seed, bool decay,
                 double constant = 0);
    MoeTrainParams<T> moeParams(int l) const;
    // Block l over the residual stream x (tmp: scratch of x's size); returns its aux loss.
    double forwardBlock(int l, std::vector<T>& x, std::vector<T>& tmp, const AttentionShape& shape,
                        double auxCoef);
    void backwardBlock(int l, std::vector<T>& dx, const AttentionShape& shape);

    LmConfig config_;
    double auxCoef_ = 0;
    MoeTrainLayer<T> moe_;
    std::vector<Param<T>> params_;
    std::vector<BlockIndex> index_;
    int tokEmb_ = 0, posEmb_ = 0, normF_ = 0, head_ = 0;
    std::vector<std::vector<float>> bias_;
    // Last forward.
    int batch_ = 0, seq_ = 0, tokens_ = 0;
    std::vector<int32_t> inputs_, targets_;
    std::vector<BlockCache> blocks_;
    std::vector<T> xFinal_, nF_, invF_, dlogits_;
    std::vector<T>
        gateCarry_;  // backward, pre-gated: dL/d(router input) from the next block's gate
};

extern template class LmModel<float>;
extern template class LmModel<double>;

}  // namespace moe::train
