// The pre-gate's guess for layer 0, which no earlier router input precedes: a small network
// (t2e_ffn's) on what the model feeds its first block, the token and position embeddings, of the
// token and of the tokens just before it in its sequence. Layer 0 routes after the first
// attention has mixed those tokens in, so their inputs side by side stand in for it. All of it
// exists before any layer routes; nothing here reads routing of the step it forecasts.
#pragma once

#include <vector>

#include "core/predict/ffn_token_predictor.h"

namespace moe {

class ModelInputGate {
public:
    static constexpr int kMaxInputs = 4;
    // `inputs`: tokens whose model inputs are read (the token and inputs - 1 before it).
    // Throws moe::Error for inputs outside 1..kMaxInputs or a workload without model inputs.
    ModelInputGate(FfnTokenOptions options, const WorkloadShape& shape, int inputs);
    void predict(const Step& step, int32_t* ids);
    void predictLoad(const Step& step, double* load);
    // Learns layer 0's true routing of `step`.
    void observe(const Step& step);

private:
    // A one-layer step whose router input is each token's model inputs side by side (zeros for
    // tokens the step does not hold), with layer 0's routing when `routed`.
    const Step& inputStep(const Step& step, bool routed);
    WorkloadShape netShape_;
    int inputs_, width_;
    FfnTokenPredictor net_;
    std::vector<float> input_;
    Step built_;
};

}  // namespace moe
