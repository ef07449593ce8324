// MoE-GPS's Token-to-Expert prediction: guess, before routing, which k experts each token of a
// step will pick, per layer. The per-token guesses also give predicted per-expert loads.
// Families here: most frequent expert overall, given position, given token id. Each learns
// online from the true routing of the steps it has seen. (The FFN classifier on hidden states
// needs a workload that carries hidden states.)
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "core/workload/step.h"

namespace moe {

class TokenPredictor {
public:
    virtual ~TokenPredictor() = default;
    virtual std::string name() const = 0;
    virtual std::string parameters() const { return ""; }
    // Throws moe::Error when the workload lacks what this predictor needs (token ids, ...).
    virtual void checkShape(const WorkloadShape& shape) const;
    // Predicted top-k ids (T x k, best first) of `layer` for the tokens of `step`. Reads of
    // `step`'s routing and router inputs stay below `layer` (see routingKnownBefore), except
    // for predictors that readOwnLayerInput().
    virtual void predict(const Step& step, int layer, int32_t* ids) = 0;
    // Expected token-expert pairs of each of `layer`'s E experts in `step` (adds to nothing:
    // `load` is overwritten). By default the histogram of predict(); predictors with a
    // distribution per token give its expectation, which plans better than hard guesses.
    virtual void predictLoad(const Step& step, int layer, const WorkloadShape& shape, double* load);
    // Learn from the step's true routing (after predict).
    virtual void observe(const Step& step) = 0;
    // True when layer l's guess reads layer l's own router input (t2e_ffn): known only as the
    // layer routes, too late to place its experts.
    virtual bool readsOwnLayerInput() const { return false; }
};

// A predictor that gives each token a distribution over the layer's experts (k pairs in all):
// its top-k guess (ties to the lowest id) and its expected load both follow from that.
class TokenDistributionPredictor : public TokenPredictor {
public:
    explicit TokenDistributionPredictor(const WorkloadShape& shape);
    void predict(const Step& step, int layer, int32_t* ids) override;
    void predictLoad(const Step& step, int layer, const WorkloadShape& shape,
                     double* load) override;

protected:
    // Token t's expected pairs per expert of `layer` (E values, summing to k).
    virtual void tokenDistribution(const Step& step, int layer, int t, double* out) = 0;
    int layers_, experts_, topK_;

private:
    std::vector<double> scratch_;
};

// `step` cut to what is known when `layer` must be placed, before it routes: every token's id,
// position and sequence, and the routing and router inputs of layers 0..layer-1 only.
Step routingKnownBefore(const Step& step, int layer, const WorkloadShape& shape);

// Per-layer count table over a key (nothing, position or token id) with a global fallback.
class FrequencyTokenPredictor : public TokenPredictor {
public:
    enum class Key { None, Position, TokenId };
    FrequencyTokenPredictor(Key key, const WorkloadShape& shape);
    std::string name() const override;
    void checkShape(const WorkloadShape& shape) const override;
    void predict(const Step& step, int layer, int32_t* ids) override;
    void predictLoad(const Step& step, int layer, const WorkloadShape& shape,
                     double* load) override;
    void observe(const Step& step) override;

private:
    const std::vector<int64_t>& countsFor(const Step& step, int layer, int t) const;
    int32_t keyOf(const Step& step, int t) const;
    void topK(const std::vector<int64_t>& counts, int32_t* ids) const;
    Key key_;
    int layers_, experts_, topK_;
    std::vector<std::vector<int64_t>> global_;                              // [layer][expert]
    std::vector<std::unordered_map<int32_t, std::vector<int64_t>>> byKey_;  // [layer][key][expert]
};

}  // namespace moe
