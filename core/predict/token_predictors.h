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

// The id `back` tokens before token t in its sequence when `step` holds it (needs positions
// and sequence ids), else -1: before the sequence's start, or decode, where a step holds one
// token per sequence. back = 0 is t's own id.
int64_t earlierTokenId(const Step& step, int t, int back);
// The same token's index in the step, or -1.
int earlierTokenIndex(const Step& step, int t, int back);

// Per-layer count tables over a key (nothing, position, token id, or the token id with the n-1
// ids before it in its sequence) with fallbacks: an unseen key uses the next coarser table
// (n-gram -> ... -> token id -> the layer's), and a seen one is smoothed toward it. Context
// helps where the router input has already mixed in the tokens before (layer 0 sits after the
// first attention). With decay < 1 each step's counts weigh decay^age, so the tables follow a
// router that moves (a model trained live re-routes a token id within tens of steps); 1 keeps
// all history alike.
class FrequencyTokenPredictor : public TokenPredictor {
public:
    enum class Key { None, Position, TokenId };
    static constexpr int kMaxContext = 3;  // ids before the token a TokenId key may include
    // Throws moe::Error for a decay outside (0, 1], a context outside 0..kMaxContext (or > 0
    // with another key), or a workload without the key.
    FrequencyTokenPredictor(Key key, const WorkloadShape& shape, double decay = 1.0,
                            int context = 0);
    std::string name() const override;        // t2e_freq, t2e_position, t2e_token, t2e_ngram
    std::string parameters() const override;  // "n=3,decay=0.6" where not the default
    void checkShape(const WorkloadShape& shape) const override;
    void predict(const Step& step, int layer, int32_t* ids) override;
    // Each token's k pairs spread over its key's distribution of choices, smoothed by one
    // pair's worth of the next coarser table's (a key seen once is not taken as certain).
    void predictLoad(const Step& step, int layer, const WorkloadShape& shape,
                     double* load) override;
    void observe(const Step& step) override;

private:
    // Per expert: choices counted equally (the loads), and rank-weighted (the top-k guess:
    // first choice k, last 1, so the table also knows which expert tends to come first).
    struct Counts {
        std::vector<double> pairs, ranked;
    };
    using Table = std::unordered_map<uint64_t, Counts>;
    // Every token's keys, by level (0: its own id or position; i: the id with the i ids before
    // it), into keys_ and held_, once per call: they do not depend on the layer. A key whose
    // farthest id the step does not hold (the sequence's start; decode, one token per sequence
    // a step) adds nothing to the coarser tables, so it is neither counted nor read.
    void computeKeys(const Step& step);
    // The tables that know token t at `layer` (after computeKeys), finest first, the layer's
    // last; returns how many.
    int tablesFor(int layer, int t, const Counts** out) const;
    void count(Counts& c, const int32_t* ids);
    void topK(const std::vector<double>& ranked, int32_t* ids) const;
    void rescale();
    Key key_;
    int context_;
    int layers_, experts_, topK_;
    double decay_;
    // Counts are stored multiplied by boost_ = decay^-steps, so a step adds boost_ instead of
    // every entry being multiplied by decay; rescale() folds it back before it overflows.
    double boost_ = 1;
    std::vector<Counts> global_;             // [layer]
    std::vector<std::vector<Table>> keyed_;  // [level][layer], level = ids before; none for None
    std::vector<uint64_t> keys_;             // [token][level], from computeKeys
    std::vector<uint8_t> held_;              // [token][level]
};

}  // namespace moe
