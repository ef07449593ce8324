// What the experiment panel edits and the engine thread runs: plain values, no Qt, so the
// runner can copy it onto its thread and the window can save it in QSettings.
#pragma once

#include <cstdint>
#include <string>

namespace moe::gui {

struct ExperimentConfig {
    std::string workload = "trace:gpt-oss-20b";  // trace:NAME|PATH or synthetic:KEY=VALUE,...
    std::string batching = "continuous";         // tokens | sequence | continuous
    int batchSize = 64;  // sequences in flight (continuous) or tokens per step (tokens)
    int ranks = 4;
    int hidden = 128;
    int ffn = 352;
    uint64_t seed = 1;
    int64_t steps = 0;  // 0 = the whole workload
};

}  // namespace moe::gui
