// MoETuner's R: how many tokens go from expert e1 of layer l to expert e2 of layer l+1, counted
// from per-token routing. Load counts alone cannot say which experts talk to each other; this
// is what lets ILP 2 put experts that exchange many tokens on the same GPU.
#pragma once

#include <cstdint>
#include <vector>

#include "core/workload/step.h"
#include "core/workload/workload.h"

namespace moe {

// (layers - 1) x E x E counts, row-major: at(l, e1, e2) = index (l * E + e1) * E + e2.
// With top-k routing a token picks k experts in layer l and k in layer l+1: k x k pairs. Each
// pair gets 1/k, so the counts are a flow with the loads as marginals: sum over e2 of
// R[l][e1][e2] is e1's load in layer l (token-expert pairs, the units of PolicyInput::load), sum
// over e1 is e2's load in layer l+1, and R and P can be mixed in one objective. (Counting each
// pair as 1 would weigh a layer pair k times its loads; 1/k^2 would count tokens, not pairs.)
class TransitionCounts {
public:
    TransitionCounts() = default;
    TransitionCounts(int layers, int experts);

    int layers() const { return layers_; }
    int experts() const { return experts_; }
    int64_t tokens() const { return tokens_; }

    double at(int l, int e1, int e2) const { return counts_[idx(l, e1, e2)]; }
    const std::vector<double>& values() const { return counts_; }

    // Adds one step's routing. Throws moe::Error on ids outside 0..E-1 or a short step.
    void accumulate(const Step& step, int topK);
    void add(const TransitionCounts& other);
    void clear();

private:
    size_t idx(int l, int e1, int e2) const {
        return (static_cast<size_t>(l) * experts_ + e1) * experts_ + e2;
    }
    int layers_ = 0, experts_ = 0;
    int64_t tokens_ = 0;
    std::vector<double> counts_;
};

// One pass over a workload for MoETuner's profiling inputs: loads (layers x experts
// token-expert pairs, PolicyInput::load) and transitions in the same units.
struct RoutingProfile {
    int layers = 0, experts = 0, topK = 0;
    int64_t steps = 0, tokens = 0;
    std::vector<double> load;  // layers x experts
    TransitionCounts transitions;
};

// Reads up to maxSteps steps (0 = all) of `workload` from where it stands.
RoutingProfile profileRouting(Workload& workload, int64_t maxSteps = 0);

}  // namespace moe
