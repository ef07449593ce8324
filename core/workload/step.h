// The unit of work that travels the whole pipeline: one step of routing for every MoE layer.
// A workload (trace replay, synthetic generator, live training) fills a Step with views over
// buffers it owns; consumers must not keep the views past the next call to Workload::next().
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace moe {

// What a workload produces: its dimensions and which optional per-token extras it carries.
struct WorkloadShape {
    int layers = 0;
    int experts = 0;
    int topK = 0;
    bool hasWeights = false;      // router weights beside the expert ids
    bool hasSequenceIds = false;  // which sequence each token belongs to
    bool hasPositions = false;    // absolute position of each token in its sequence
    bool hasTokenIds = false;     // vocabulary ids
    int hiddenDim = 0;            // > 0 when router input hidden states are carried
    // The model's input to its first block (token and position embeddings, hiddenDim wide) is
    // carried: it exists before any layer routes, the one input a lookahead has for layer 0.
    bool hasModelInput = false;
    // The model's numbers of the layers when they are not 0.. (a recording whose dense layers
    // were left out: SGLang's layer 3 may be our layer 0); empty otherwise.
    std::vector<int> modelLayers;

    // What to call layer `l` where people read it: its number in the model.
    int modelLayer(int l) const {
        return l >= 0 && static_cast<size_t>(l) < modelLayers.size() ? modelLayers[l] : l;
    }

    bool operator==(const WorkloadShape&) const = default;
};

struct Step {
    int64_t index = 0;  // 0-based step number within the run
    int tokens = 0;     // T: tokens in this step

    // Expert ids, layer-major then token then slot: experts[(l * T + t) * topK + j].
    // Within one token the ids are distinct and in the router's order (best first).
    std::span<const int32_t> experts;
    // Optional router weights, same layout as `experts`; empty when the source has none.
    std::span<const float> weights;
    // Optional per-token extras (size T each), empty when absent.
    std::span<const int32_t> sequenceIds;
    std::span<const int32_t> positions;
    std::span<const int32_t> tokenIds;
    // Optional router-input hidden states, layer-major: hidden[(l * T + t) * hiddenDim + d].
    std::span<const float> hidden;
    // Optional model input of each token (T x hiddenDim): what enters the first block.
    std::span<const float> modelInput;

    // The T x topK ids of one layer.
    std::span<const int32_t> layerExperts(int layer, int topK) const {
        return experts.subspan(static_cast<size_t>(layer) * tokens * topK,
                               static_cast<size_t>(tokens) * topK);
    }
};

}  // namespace moe
