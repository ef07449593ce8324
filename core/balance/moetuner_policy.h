// MoETuner (Go, Mahajan, arXiv 2502.06643) as a Policy: ILP 1 splits each layer's experts into
// one balanced cluster per rank (CBC, to a gap and a time limit), ILP 2 maps clusters to ranks
// so that the slowest transfer between consecutive layers is small (exactly, or through CBC).
#pragma once

#include <vector>

#include "core/balance/moetuner_balance.h"
#include "core/balance/moetuner_mapping.h"
#include "core/balance/policy.h"

namespace moe {

enum class MoeTunerMode {
    Balance,  // ILP 1 only; cluster c of every layer on rank c
    Full,     // ILP 1 + ILP 2; needs PolicyInput::transitions
};

struct MoeTunerOptions {
    double gap = 0.025;            // the paper's 2.5%, for every ILP solve
    double timeLimitSeconds = 10;  // per ILP solve: each layer's ILP 1, each ILP 2 step
    MoeTunerMode mode = MoeTunerMode::Full;
    // ILP 2 (moetuner_mapping.h): how it is solved, and optional joint windows.
    MappingMethod mappingMethod = MappingMethod::Exact;
    int jointPairs = 1;
    ProductLinearisation products = ProductLinearisation::McCormick;
};

// What the last plan() did, for tests, benchmarks and the notes.
struct MoeTunerReport {
    std::vector<BalanceIlpResult> layers;  // ILP 1, per layer
    double balanceSeconds = 0;             // ILP 1, all layers
    double worstBalanceGap = 0;            // max over layers of BalanceIlpResult::gap
    bool mapped = false;                   // ILP 2 ran (full mode)
    MappingResult mapping;
};

// No duplication: every expert gets one replica, each rank floor(E/G) or ceil(E/G) experts
// per layer. Loads given as shares are fine (ILP 1 is scale-free); transitions must be in
// consistent units across layers. Throws moe::Error on fewer experts than ranks, or in full
// mode without transitions or with transitions of the wrong size.
class MoeTunerPolicy : public Policy {
public:
    explicit MoeTunerPolicy(MoeTunerOptions options = {}) : options_(options) {}
    std::string name() const override { return "moetuner"; }
    PolicyResult plan(const PolicyInput& input) override;
    bool needsTransitions() const override { return options_.mode == MoeTunerMode::Full; }
    const MoeTunerReport& lastReport() const { return report_; }

private:
    MoeTunerOptions options_;
    MoeTunerReport report_;
};

}  // namespace moe
