// Lookahead pre-gate (Pre-gated MoE; PROBE): guess layer l's routing of each token from its
// router input at layer l-1, which exists a whole layer before layer l routes, so the guess
// arrives in time to place layer l's experts. The gate is a small network distilled online
// from the router's true choices (t2e_ffn's network with its input one layer early).
// Layer 0 has no earlier router input. Where the workload carries the model's input (train:),
// a network reads the embeddings of the token and the two before it (ModelInputGate), blended
// with the table below. Otherwise its guess comes from a token-context table (the experts
// the token id and the id before it chose at layer 0 so far, falling back to the id alone), or
// from the layer's frequency table where ids are unknown. Layer 0 routes after the first
// attention has mixed in the tokens before, so the pair knows it better than the id alone
// (61% -> 68% of the gap closed on layer 0 of train:pregated=1).
// The same table can be blended into the network's loads on later layers: its errors are not
// the network's (it reads recent routing of the same context, not the hidden state).
// Each network can be several, from different seeds, their loads averaged (their errors differ
// too), and the loads corrected by their own running error (LoadBiasCorrection).
#pragma once

#include <memory>

#include "core/predict/ffn_token_predictor.h"
#include "core/predict/load_bias_correction.h"
#include "core/predict/model_input_gate.h"
#include "core/predict/token_predictors.h"

namespace moe {

// The pre-gate's token-context table (see FrequencyTokenPredictor) and layer 0's network.
struct PreGateOptions {
    double decay = 1.0;  // weight of a step's counts per step of age (a live router moves)
    int firstN = 2;      // ids in the key: the token's and firstN - 1 before it
    double blend = 0;    // share of the table's loads in layers 1.. (0: the network's alone)
    // Layer 0 by a network on the model inputs of the token and firstInputs - 1 before it
    // (ModelInputGate; where the workload carries them), its loads blended with the table's by
    // firstBlend; 0 = the table alone. On train:pregated=1 (EPLB every step) layer 0's gap
    // closed: table 68%, network alone 63%, 3 inputs blended 0.3 72%.
    int firstInputs = 3;
    double firstBlend = 0.3;
    // Networks per layer, from different seeds, their loads averaged: train:pregated=1 (EPLB
    // every step) 83.6% -> 84.2% of the gap closed with 2, at twice the cost.
    int nets = 1;
    // Weight of the newest step in the running error added back (LoadBiasCorrection); 0: none.
    double correct = 0;
    static constexpr int kMaxNets = 8;
    void validate() const;
};

class PreGatePredictor final : public TokenPredictor {
public:
    // `options.inputLag` is set to 1 here. Throws moe::Error without router inputs.
    PreGatePredictor(FfnTokenOptions options, const WorkloadShape& shape,
                     const PreGateOptions& tables = {});
    std::string name() const override { return "pregate"; }
    std::string parameters() const override;
    void checkShape(const WorkloadShape& shape) const override;
    void predict(const Step& step, int layer, int32_t* ids) override;
    void predictLoad(const Step& step, int layer, const WorkloadShape& shape,
                     double* load) override;
    void observe(const Step& step) override;

private:
    // Layers 1..L-1, from the layer before: `nets` networks.
    std::vector<std::unique_ptr<FfnTokenPredictor>> gates_;
    PreGateOptions options_;
    FrequencyTokenPredictor table_;  // layer 0 (and the blend), by token ids where known
    // Layer 0's networks, when asked and carried (`nets` of them, else none).
    std::vector<std::unique_ptr<ModelInputGate>> firsts_;
    LoadBiasCorrection correction_;
    std::vector<double> blended_, one_;
    void networksLoad(const Step& step, int layer, const WorkloadShape& shape, double* load);
    void blendTable(const Step& step, int layer, const WorkloadShape& shape, double share,
                    double* load);
};

}  // namespace moe
