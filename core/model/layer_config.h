// Dimensions and routing rules of one MoE layer. Plain data: the CLI, the GUI and the
// experiment record all carry it as is.
#pragma once

#include <string>

namespace moe {

enum class ScoreFunction { Softmax, Sigmoid };

ScoreFunction parseScoreFunction(const std::string& name);  // "softmax" | "sigmoid"
std::string toString(ScoreFunction f);

struct MoeLayerConfig {
    int hidden = 128;  // model width H
    int ffn = 352;     // expert inner width F (SwiGLU: w1, w3 are H x F, w2 is F x H)
    int experts = 32;  // E
    int topK = 4;      // k
    ScoreFunction score = ScoreFunction::Softmax;
    bool renormalize = true;    // divide the k selected scores by their sum
    double capacityFactor = 0;  // 0 = unlimited; else capacity = ceil(cf * T * k / E) per expert

    // Throws moe::Error naming the first bad field.
    void validate() const;
    // Tokens one expert may take in a step of `tokens` tokens (huge when unlimited).
    long long capacity(long long tokens) const;
};

}  // namespace moe
