// AdamW (Loshchilov & Hutter): Adam with decoupled weight decay, plus global-norm gradient
// clipping and a linear learning-rate warm-up. Its moments are part of a checkpoint, so a
// resumed run takes exactly the updates the uninterrupted run would have taken.
#pragma once

#include <cstdint>
#include <vector>

#include "core/train/lm_model.h"

namespace moe::train {

struct AdamWOptions {
    double lr = 2e-3;
    double beta1 = 0.9, beta2 = 0.95, eps = 1e-8;
    double weightDecay = 0.1;  // on matrices only (Param::decay)
    double clip = 1.0;         // max global gradient norm; 0 = no clipping
    int warmup = 100;          // steps of linear warm-up
    void validate() const;
};

class AdamW {
public:
    AdamW(const AdamWOptions& options, const std::vector<Param<float>>& params);

    // Clips, then updates every parameter from its gradient. Returns the norm before clipping.
    double step(std::vector<Param<float>>& params);
    double learningRate() const;  // for the next step
    int64_t steps() const { return t_; }

    // State for checkpoints: step count and both moments, one vector per parameter.
    std::vector<std::vector<float>>& firstMoments() { return m_; }
    std::vector<std::vector<float>>& secondMoments() { return v_; }
    const std::vector<std::vector<float>>& firstMoments() const { return m_; }
    const std::vector<std::vector<float>>& secondMoments() const { return v_; }
    void setSteps(int64_t t) { t_ = t; }

private:
    AdamWOptions o_;
    int64_t t_ = 0;
    std::vector<std::vector<float>> m_, v_;
};

}  // namespace moe::train
