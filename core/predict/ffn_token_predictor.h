// MoE-GPS's Token-to-Expert family (c): a small FFN per layer on the token's router-input
// hidden state (D -> 128 -> 64 -> E with ReLU in MoE-GPS, sizes configurable), trained online
// on the true routing of each step after predicting it, with Adam and a cross-entropy against
// the router's k choices. Needs a workload that carries hidden states.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "core/predict/token_predictors.h"

namespace moe {

struct FfnTokenOptions {
    int hidden1 = 128;
    int hidden2 = 64;
    double learningRate = 1e-3;
    int batch = 256;        // tokens per Adam update
    int epochsPerStep = 1;  // passes over each observed step
    uint64_t seed = 1;
    // Which layer's router input predicts layer l: l - inputLag. 0 is MoE-GPS's classifier
    // (the layer's own input); 1 is a pre-gate (Pre-gated MoE), which knows one layer early.
    int inputLag = 0;
    // With inputLag 1: also feed the layer before's routing (its k experts, one-hot), which
    // exists by then too; cross-layer affinity and the router input in one network.
    bool routingFeatures = false;
    // Loads as the count of each token's top-k guess (else k x each token's softmax, summed).
    bool hardLoad = false;
    // A linear path from the input straight to the logits beside the hidden layers: a router
    // is linear in its input, and a linear term follows a router that moves faster.
    bool linearSkip = false;
    // Earlier steps trained on again beside each new one (their inputs and routing kept).
    int replay = 0;
    void validate() const;
};

class FfnTokenPredictor final : public TokenPredictor {
public:
    FfnTokenPredictor(const FfnTokenOptions& options, const WorkloadShape& shape);
    ~FfnTokenPredictor() override;
    std::string name() const override { return "t2e_ffn"; }
    std::string parameters() const override;
    void checkShape(const WorkloadShape& shape) const override;
    // Layers below inputLag have no input to predict from: moe::Error.
    void predict(const Step& step, int layer, int32_t* ids) override;
    // k x the softmax of each token's logits, summed over the step's tokens.
    void predictLoad(const Step& step, int layer, const WorkloadShape& shape,
                     double* load) override;
    void observe(const Step& step) override;
    bool readsOwnLayerInput() const override { return options_.inputLag == 0; }
    double lastLoss() const { return lastLoss_; }

private:
    struct Net;
    Net& forwardLayer(const Step& step, int layer);
    int inputWidth() const;
    // Rows begin..begin+n of the network's input for `layer` (n x inputWidth(), row-major): in
    // the step (router inputs only) or assembled in input_ (with the layer before's routing).
    const float* inputRows(const Step& step, int layer, int begin, int n);
    std::vector<float> input_;
    std::vector<double> p_;  // one token's softmax (predictLoad)
    FfnTokenOptions options_;
    WorkloadShape shape_;
    std::vector<std::unique_ptr<Net>> nets_;  // one per layer
    // The last `replay` steps' network inputs and true experts, per layer, oldest first.
    struct Seen {
        std::vector<float> inputs;
        std::vector<int32_t> truth;
        int tokens = 0;
    };
    std::vector<std::vector<Seen>> seen_;
    // One pass over a step's tokens in batches; returns the summed loss, counts the batches.
    double trainOn(int layer, const float* inputs, std::span<const int32_t> truth, int tokens,
                   float lr, int& batches);
    double lastLoss_ = 0;
};

}  // namespace moe
