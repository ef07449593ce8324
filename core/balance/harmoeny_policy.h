// HarMoEny-style token rescheduling (Doucet et al., arXiv 2506.12417): per batch, while some
// rank holds more than the average load, tokens of the heaviest expert of the most loaded
// rank go to the least loaded one, as many as bring either to the average. A rank that lacks
// the expert must fetch its weights first, which is only done when the fetch
// (expertBytes / bandwidth) costs less than the compute time the move saves.
#pragma once

#include "core/balance/policy.h"

namespace moe {

// Copies also respect budget.memoryPerRankBytes and, when > 0, budget.slots per layer.
struct HarmoenyOptions {
    double tokenSeconds = 1e-6;  // compute time of one token on one expert (Mixtral expert:
                                 // 6 * 4096 * 14336 FLOP, about 1.2 us at 300 TFLOP/s)
    double fetchGBs = 0;         // weight fetch bandwidth; 0 = the cluster's matrix, else 50
    int maxCopies = 0;           // copies per expert; 0 = the budget's cap
    double minTokens = 1;        // smallest move worth making
};

class HarmoenyPolicy : public Policy {
public:
    explicit HarmoenyPolicy(HarmoenyOptions options = {}) : options_(options) {}
    std::string name() const override { return "harmoeny"; }
    PolicyResult plan(const PolicyInput& input) override;

private:
    HarmoenyOptions options_;
};

}  // namespace moe
