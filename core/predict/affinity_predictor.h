// Cross-layer expert affinity (ExFlow; Lina): a token's experts at layer l say much about its
// experts at layer l+1. Learnt online as P(expert j at l+1 | expert i at l) from the steps
// seen, and applied to this step's layer-l routing, it forecasts layer l+1 one layer ahead:
// layer l routes, then layer l+1's experts can be placed while layer l computes. Layer 0 has
// no layer before it: its forecast is the layer's frequency table.
#pragma once

#include <vector>

#include "core/predict/token_predictors.h"

namespace moe {

class AffinityPredictor final : public TokenDistributionPredictor {
public:
    // `decay` in (0, 1]: the weight each step's counts keep per later step, so a drifting
    // router is followed (1 = never forget).
    AffinityPredictor(const WorkloadShape& shape, double decay);
    std::string name() const override { return "affinity"; }
    std::string parameters() const override;
    void observe(const Step& step) override;

protected:
    // From the token's experts at layer - 1; layer 0 from its frequency table.
    void tokenDistribution(const Step& step, int layer, int t, double* out) override;

private:
    double& flow(int l, int from, int to) {
        return flow_[(static_cast<size_t>(l) * experts_ + from) * experts_ + to];
    }
    double flow(int l, int from, int to) const {
        return flow_[(static_cast<size_t>(l) * experts_ + from) * experts_ + to];
    }
    double decay_;
    std::vector<double> flow_;     // (layers-1) x E x E: pairs from i at l to j at l+1
    std::vector<double> outflow_;  // (layers-1) x E: row sums of flow_
    FrequencyTokenPredictor firstLayer_;
};

}  // namespace moe
