// What a user's workload choice says: a spec string ("trace:PATH", "trace:gpt-oss-20b",
// "synthetic:key=value,...", "train:...") plus batching options, and the parts of turning it
// into a workload that belong to this layer (named traces, synthetic specs). Opening one of any
// kind is core/experiment/workload_source.h, which sits above trace, synthetic and train.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/workload/batching.h"
#include "core/workload/synthetic_workload.h"
#include "core/workload/workload.h"

namespace moe {

struct WorkloadOptions {
    // "trace:PATH", "trace:gpt-oss-20b" (named bundled trace),
    // "synthetic:key=value,..." with keys layers, experts, top_k, tokens, steps, skew, drift,
    // burst_prob, burst_factor, burst_len, seed, or "train:key=value,..." (live training of
    // the MoE language model; keys in train::trainSpecKeys()).
    std::string spec;
    Batching batching = Batching::Continuous;
    int tokensPerStep = 4096;  // Tokens mode; also the synthetic default for `tokens`
    int batch = 64;            // Continuous mode: sequences in flight
    int64_t maxSteps = 0;      // 0 = whole workload
    uint64_t seed = 1;         // synthetic, unless the spec gives seed=
    std::optional<int> layers, experts, topK;  // shape overrides (flags); win over the sidecar
};

// A known trace name (gpt-oss-20b) -> the best available file: $MOE_DATA_DIR first, then the
// full trace in the shared data beside the source tree, then the subset bundled in data/.
// Anything else is taken as a path and returned unchanged when the file exists.
// Throws moe::Error when a name is unknown and no such file exists.
std::string resolveTraceName(const std::string& nameOrPath);

// The synthetic spec's key=value list (without the "synthetic:" prefix) over defaults taken
// from `options` (seed, tokensPerStep, maxSteps, shape overrides). Throws naming the bad key.
SyntheticParams parseSyntheticSpec(const std::string& keyValues, const WorkloadOptions& options);

}  // namespace moe
