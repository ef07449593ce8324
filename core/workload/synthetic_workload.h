// A seeded, reproducible routing generator for experiments where a trace is too rigid: the
// imbalance (skew), how fast the hot experts move (drift) and sudden hot spots (bursts) are
// dials. Same parameters and seed give identical steps on every run and platform.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/workload/workload.h"

namespace moe {

struct SyntheticParams {
    int layers = 24;
    int experts = 32;
    int topK = 4;
    int tokensPerStep = 4096;
    int64_t steps = 0;         // 0 = unlimited
    double skew = 2.0;         // expected max/mean of per-layer expert loads, in [1, E/k]
    double drift = 0.0;        // expected swaps of adjacent popularity ranks per layer per step
    double burstProb = 0.0;    // per layer and step: chance that a burst starts
    double burstFactor = 4.0;  // a bursting expert's weight is multiplied by this
    int burstLength = 8;       // steps a burst lasts
    // Router-input hidden states (0 = none). A token's state in layer l is the sum of fixed
    // random "signature" vectors of the experts it picked (weights 1, 0.8, 0.6, ... by rank)
    // plus Gaussian noise of this standard deviation per component: the routing is drawn
    // first (so the skew dials still hold) and the state then carries it as a real router's
    // input does, recoverable by a classifier up to the noise.
    int hiddenDim = 0;
    double hiddenNoise = 1.0;
    uint64_t seed = 1;
};

class SyntheticWorkload : public Workload {
public:
    // Throws moe::Error naming the parameter when a value is out of range.
    explicit SyntheticWorkload(const SyntheticParams& params);

    const WorkloadShape& shape() const override { return shape_; }
    bool next(Step& step) override;
    // "synthetic:key=value,..." with every parameter, so it can be replayed from the record.
    std::string describe() const override;

    const SyntheticParams& params() const { return params_; }
    double zipfExponent() const { return exponent_; }
    // Expected skewness of the undisturbed popularity (no bursts); equals params().skew.
    double expectedSkewness() const;

private:
    struct Burst {
        int layer;
        int expert;
        int stepsLeft;
    };
    double uniform();
    int uniformInt(int n);
    void evolve();
    void layerWeights(int layer, std::vector<double>& cdf);
    void drawLayer(int layer, int32_t* out);
    void fillHidden();
    double gaussian();

    SyntheticParams params_;
    WorkloadShape shape_;
    double exponent_ = 0;
    std::vector<double> rankWeight_;  // Zipf weight of popularity rank r
    std::vector<int> expertRank_;     // [layer * E + e] -> popularity rank of expert e
    std::vector<int> rankExpert_;     // [layer * E + r] -> expert at rank r
    std::vector<Burst> bursts_;
    std::mt19937_64 rng_;
    std::mt19937_64 hiddenRng_;  // noise of hidden states, apart from the routing stream
    int64_t stepIndex_ = 0;

    std::vector<double> cdf_;      // scratch: one layer's cumulative weights
    std::vector<double> weights_;  // scratch: one layer's weights
    std::vector<int32_t> experts_;
    std::vector<float> signatures_;  // [layer][expert][hiddenDim], unit-norm rows
    std::vector<float> hidden_;      // [layer][token][hiddenDim] of the current step
};

}  // namespace moe
