// Sizes and routing rules of the small MoE language model the training workload trains, and
// how its router is balanced. Plain data, so the CLI, the workload spec and checkpoints all
// carry the same fields; validate() rejects bad values with the field's name.
#pragma once

#include <string>

#include "core/model/layer_config.h"

namespace moe::train {

struct LmConfig {
    int vocab = 256;   // byte-level: every byte value is a token
    int context = 64;  // tokens per training sequence (and positions learned)
    int width = 128;   // model width D
    int blocks = 4;    // transformer blocks, each with one MoE layer
    int heads = 4;     // attention heads (width divisible by heads)
    int experts = 16;  // experts per MoE layer
    int topK = 2;      // experts per token
    int ffn = 256;     // expert inner width (SwiGLU)
    ScoreFunction score = ScoreFunction::Softmax;
    bool renormalize = true;
    double capacityFactor = 0;  // 0 = no dropping
    // Pre-gated MoE: block l's gate reads block l-1's router input (block 0 its own), so each
    // block's experts are chosen a block before they run.
    bool pregated = false;

    void validate() const;
    MoeLayerConfig moeLayer() const;
    bool operator==(const LmConfig&) const = default;
};

enum class Balancing { None, Switch, Bias };

struct BalanceConfig {
    Balancing mode = Balancing::Switch;
    double auxCoef = 0.01;    // switch: weight of the auxiliary loss
    double biasRate = 0.001;  // bias: per-step update of an expert's selection bias
    double activeAuxCoef() const { return mode == Balancing::Switch ? auxCoef : 0.0; }
};

// "none", "switch" or "switch:COEF", "bias" or "bias:RATE". Throws moe::Error otherwise.
BalanceConfig parseBalance(const std::string& text);
std::string toString(const BalanceConfig& b);

}  // namespace moe::train
