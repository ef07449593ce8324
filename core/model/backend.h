// The op-level interface an MoE layer runs on. The CPU backend (cpu_backend.h) defines what
// correct means; the CUDA backend (gpu/) implements the same ops and is tested against it.
// Each op takes one args struct so adding a field never breaks a call site.
#pragma once

#include <cstdint>
#include <string>

#include "core/model/expert_weights.h"
#include "core/model/layer_config.h"

namespace moe {

struct GateArgs {
    const MoeLayerConfig* config = nullptr;
    const float* x = nullptr;  // tokens x H, row-major
    int tokens = 0;
    const float* gate = nullptr;  // H x E router weights
    // Forced routing: tokens x k expert ids from the workload; the gate then only supplies
    // the combine weights of those experts. nullptr = the layer's own top-k.
    const int32_t* forcedIds = nullptr;
    int32_t* outIds = nullptr;    // tokens x k, best first, ties to the lowest expert id
    float* outWeights = nullptr;  // tokens x k combine weights
};

struct FfnArgs {
    const ExpertWeights* weights = nullptr;
    int hidden = 0;
    int ffn = 0;
    const float* x = nullptr;  // rows x H, the tokens routed to this expert
    int rows = 0;
    float* out = nullptr;  // rows x H: w2 * (silu(x w1) .* (x w3))
};

// Several experts' rows at once, grouped by expert: expert e's rows are [offsets[e],
// offsets[e + 1]) of x and out (rows x H each), its weights weights[e].
struct FfnGroupArgs {
    const ExpertWeights* weights = nullptr;  // `experts` of them
    int experts = 0;
    int hidden = 0;
    int ffn = 0;
    const int* offsets = nullptr;  // experts + 1, non-decreasing, from 0
    const float* x = nullptr;
    float* out = nullptr;
};

class Backend {
public:
    virtual ~Backend() = default;
    virtual std::string name() const = 0;
    // Router scores (softmax or sigmoid over x * gate) and top-k selection.
    virtual void gateTopK(const GateArgs& args) = 0;
    // counts[e] += number of ids equal to e (counts has `experts` entries).
    virtual void expertHistogram(const int32_t* ids, size_t n, int experts, int64_t* counts) = 0;
    // One expert's SwiGLU FFN over the rows routed to it.
    virtual void expertFfn(const FfnArgs& args) = 0;
    // Every expert's FFN over its rows; the same figures as expertFfn per expert (which is
    // what this default does), in whatever order and concurrency the backend finds fastest.
    virtual void expertFfnGroup(const FfnGroupArgs& args);
};

}  // namespace moe
