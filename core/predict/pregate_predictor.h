// Lookahead pre-gate (Pre-gated MoE; PROBE): guess layer l's routing of each token from its
// router input at layer l-1, which exists a whole layer before layer l routes, so the guess
// arrives in time to place layer l's experts. The gate is a small network distilled online
// from the router's true choices (t2e_ffn's network with its input one layer early). Layer 0
// has no earlier router input: its guess comes from the token's id (the experts that id chose at
// layer 0 so far, recent steps weighing more with decay < 1: a live-trained router moves), or
// from the layer's frequency table where ids are unknown.
#pragma once

#include <memory>

#include "core/predict/ffn_token_predictor.h"
#include "core/predict/token_predictors.h"

namespace moe {

class PreGatePredictor final : public TokenPredictor {
public:
    // `options.inputLag` is set to 1 here; `firstLayerDecay` is layer 0's table's (see
    // FrequencyTokenPredictor). Throws moe::Error without router inputs.
    PreGatePredictor(FfnTokenOptions options, const WorkloadShape& shape,
                     double firstLayerDecay = 1.0);
    std::string name() const override { return "pregate"; }
    std::string parameters() const override;
    void checkShape(const WorkloadShape& shape) const override;
    void predict(const Step& step, int layer, int32_t* ids) override;
    void predictLoad(const Step& step, int layer, const WorkloadShape& shape,
                     double* load) override;
    void observe(const Step& step) override;

private:
    FfnTokenPredictor gate_;              // layers 1..L-1, from the layer before
    FrequencyTokenPredictor firstLayer_;  // layer 0, by token id where the workload has ids
};

}  // namespace moe
