// Lookahead pre-gate (Pre-gated MoE; PROBE): guess layer l's routing of each token from its
// router input at layer l-1, which exists a whole layer before layer l routes, so the guess
// arrives in time to place layer l's experts. The gate is a small network distilled online
// from the router's true choices (t2e_ffn's network with its input one layer early).
// Layer 0 has no earlier router input: its guess comes from a token-context table (the experts
// the token id and the id before it chose at layer 0 so far, falling back to the id alone), or
// from the layer's frequency table where ids are unknown. Layer 0 routes after the first
// attention has mixed in the tokens before, so the pair knows it better than the id alone
// (61% -> 68% of the gap closed on layer 0 of train:pregated=1).
// The same table can be blended into the network's loads on later layers: its errors are not
// the network's (it reads recent routing of the same context, not the hidden state).
#pragma once

#include <memory>

#include "core/predict/ffn_token_predictor.h"
#include "core/predict/token_predictors.h"

namespace moe {

// The pre-gate's token-context table (see FrequencyTokenPredictor).
struct PreGateTables {
    double decay = 1.0;  // weight of a step's counts per step of age (a live router moves)
    int firstN = 2;      // ids in the key: the token's and firstN - 1 before it
    double blend = 0;    // share of the table's loads in layers 1.. (0: the network's alone)
    void validate() const;
};

class PreGatePredictor final : public TokenPredictor {
public:
    // `options.inputLag` is set to 1 here. Throws moe::Error without router inputs.
    PreGatePredictor(FfnTokenOptions options, const WorkloadShape& shape,
                     const PreGateTables& tables = {});
    std::string name() const override { return "pregate"; }
    std::string parameters() const override;
    void checkShape(const WorkloadShape& shape) const override;
    void predict(const Step& step, int layer, int32_t* ids) override;
    void predictLoad(const Step& step, int layer, const WorkloadShape& shape,
                     double* load) override;
    void observe(const Step& step) override;

private:
    FfnTokenPredictor gate_;  // layers 1..L-1, from the layer before
    PreGateTables options_;
    FrequencyTokenPredictor table_;  // layer 0 (and the blend), by token ids where known
    std::vector<double> blended_;
};

}  // namespace moe
