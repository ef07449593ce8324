// The dimensions of a routing trace (layers, experts, top-k). Trace lines carry only ids, so the
// shape comes from the user's flags or from a one-line sidecar file beside the trace; this file
// finds, parses and validates it.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace moe {

struct TraceShape {
    int layers = 0;
    int experts = 0;
    int topK = 0;
    // The model's numbers of the trace's layers when they are not 0.. (a recording of an MoE
    // model whose dense layers were left out); empty otherwise. Sidecar key model_layers=1,2,3.
    std::vector<int> modelLayers;
    // Tokens of each step the recording ran, in the trace's line order (`import` of a
    // recording whose sequences never span steps); empty otherwise. Sidecar key step_tokens=.
    // Replayed with --batching recorded.
    std::vector<int64_t> stepTokens;

    int idsPerToken() const { return layers * topK; }
    bool operator==(const TraceShape&) const = default;
};

// Flags that override the sidecar, one dimension at a time.
struct TraceShapeOverride {
    std::optional<int> layers;
    std::optional<int> experts;
    std::optional<int> topK;
};

// "dir/name.tsv.gz" and "dir/name.tsv" -> "dir/name.shape"; any other name gets ".shape"
// after its ".gz" is dropped.
std::string shapeSidecarPath(const std::string& tracePath);

// Parses a sidecar: one line `layers=24 experts=32 top_k=4` (keys in any order), optionally
// with `model_layers=1,2,3` (one distinct number >= 0 per layer) and `step_tokens=7,3`
// (tokens per recorded step, each >= 1).
// Throws moe::Error naming the sidecar and the problem.
TraceShape readShapeSidecar(const std::string& sidecarPath);

// The overrides where given, the sidecar for the rest; the sidecar is not read when every
// dimension is overridden. Throws moe::Error when neither gives a shape or a value is invalid.
TraceShape resolveTraceShape(const std::string& tracePath, const TraceShapeOverride& override);

// Throws moe::Error unless layers, experts >= 1 and 1 <= topK <= experts.
void validateTraceShape(const TraceShape& shape, const std::string& where);

}  // namespace moe
