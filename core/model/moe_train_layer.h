// The MoE layer with a backward pass, for the live training workload (core/train). It runs the
// same gate, top-k and SwiGLU expert code as the inference layer (moe_kernels.h,
// swiglu_eigen.h, permute.h, applyCapacity) and keeps what the backward pass needs. Templated
// on the scalar: float to train, double for the finite-difference gradient checks.
#pragma once

#include <cstdint>
#include <vector>

#include "core/model/layer_config.h"
#include "core/model/permute.h"

namespace moe {

// Views over the layer's parameters (owned by the model). Experts are stacked: expert e's
// w1 starts at w1 + e * H * F, and so on.
template <typename T>
struct MoeTrainParams {
    const T* gate = nullptr;  // H x E
    const T* w1 = nullptr;    // E x (H x F)
    const T* w3 = nullptr;    // E x (H x F)
    const T* w2 = nullptr;    // E x (F x H)
    // Aux-loss-free balancing (DeepSeek-V3): added to the scores for the top-k choice only;
    // the combine weights stay the unbiased scores. nullptr = no bias.
    const float* selectionBias = nullptr;
};

// Gradients, accumulated (+=) by backward; same layout as MoeTrainParams.
template <typename T>
struct MoeTrainGrads {
    T* gate = nullptr;
    T* w1 = nullptr;
    T* w3 = nullptr;
    T* w2 = nullptr;
};

// What forward keeps for backward, and the routing the workload reports.
template <typename T>
struct MoeTrainCache {
    int tokens = 0;
    std::vector<T> scores;        // tokens x E, after softmax/sigmoid
    std::vector<int32_t> ids;     // tokens x k, best first
    std::vector<T> weights;       // tokens x k combine weights
    std::vector<int64_t> counts;  // E: pairs routed to each expert (before dropping)
    int64_t dropped = 0;          // pairs beyond capacity
    ExpertGrouping grouping;      // kept pairs grouped by expert
    std::vector<T> xin, h1, h3;   // grouped rows: input (rows x H), x w1 and x w3 (rows x F)
    std::vector<T> act, yout;     // silu(h1) * h3 (rows x F), expert output (rows x H)
};

template <typename T>
class MoeTrainLayer {
public:
    explicit MoeTrainLayer(const MoeLayerConfig& config);

    // y (tokens x H) = sum_j w_j * FFN_{e_j}(x_t), with the layer's own top-k routing. The gate
    // reads `gateInput` (tokens x H) when given, else x: a pre-gated model (Pre-gated MoE)
    // routes block l by block l-1's router input.
    void forward(const MoeTrainParams<T>& p, const T* x, int tokens, T* y, MoeTrainCache<T>& cache,
                 const T* gateInput = nullptr) const;

    // Switch-Transformer balancing loss coef * E * sum_e f_e * P_e, where f_e is the share of
    // pairs routed to expert e and P_e the mean router score of e over the tokens.
    T switchAuxLoss(const MoeTrainCache<T>& cache, double coef) const;

    // Given dL/dy, writes dL/dx (overwritten) and adds the parameter gradients; auxCoef adds
    // the gradient of switchAuxLoss (f_e is a count, treated as a constant, as in the paper).
    // With the forward's `gateInput`, the gate's share goes to dGateInput (overwritten)
    // instead of dx.
    void backward(const MoeTrainParams<T>& p, const MoeTrainCache<T>& cache, const T* x,
                  const T* dy, double auxCoef, T* dx, MoeTrainGrads<T>& grads,
                  const T* gateInput = nullptr, T* dGateInput = nullptr) const;

    const MoeLayerConfig& config() const { return config_; }

private:
    MoeLayerConfig config_;
};

extern template class MoeTrainLayer<float>;
extern template class MoeTrainLayer<double>;

}  // namespace moe
