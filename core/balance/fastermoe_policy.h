// FasterMoE's dynamic shadowing (He et al., PPoPP'22; fastmoe's shadow_policy.py): sort experts
// by load and broadcast ("shadow") the hottest ones to every rank while the modelled layer
// latency, 3*comp*B + 4*feat*B + shadow time, keeps falling (see ShadowBaseline).
// B_i = the largest per-rank token load once the first i experts are shadowed (a shadowed
// expert's tokens are computed where they are, load / G per rank).
#pragma once

#include "core/balance/policy.h"

namespace moe {

// What a candidate's latency must stay below. fastmoe's code starts from 3*comp*B_0 +
// 4*feat*B_0 and moves the bar to each accepted latency (shadow only while it keeps helping);
// read literally, methods.md keeps the bar at B_0's latency, which also shadows experts that
// make the layer slower than one shadow fewer, as long as it stays under the unshadowed time.
enum class ShadowBaseline {
    Previous,  // fastmoe's code (default)
    Fixed,     // the literal reading: 3*comp*B_0 + 4*feat*B_0 throughout
};

// Defaults are fastmoe's (FMOE_FASTER_GLBPLC_*): 50 Gb/s network, 11.5 TFLOP/s, alpha 2,
// d_model 2048, 4-byte (fp32) data.
struct FasterMoeOptions {
    double hidden = 2048;    // H, the model width
    double alpha = 2;        // ffn hidden / H
    double flops = 11.5e12;  // GEMM throughput, FLOP/s
    double netBytesPerSec = 50e9 / 8;
    double dataBytes = 4;  // bytes per element sent (features and weights)
    ShadowBaseline baseline = ShadowBaseline::Previous;

    double compSeconds() const { return 4 * alpha * hidden * hidden / flops; }  // per token
    double featSeconds() const { return hidden * dataBytes / netBytesPerSec; }  // per token
    double shadowSeconds() const {
        return 2 * alpha * hidden * hidden * dataBytes / netBytesPerSec;
    }
};

// Experts of one layer to shadow, hottest first, for per-expert token loads `load` over the
// rank loads `base` places them on (load[e] * share on each replica's rank).
std::vector<int> chooseShadows(const std::vector<double>& load, const Placement& base, int layer,
                               const FasterMoeOptions& options);

class FasterMoePolicy : public Policy {
public:
    explicit FasterMoePolicy(FasterMoeOptions options = {}) : options_(options) {}
    std::string name() const override { return "fastermoe"; }
    PolicyResult plan(const PolicyInput& input) override;

private:
    FasterMoeOptions options_;
};

}  // namespace moe
