// Routing read from another stack's dump, in one neutral form before it becomes a workload or
// a native trace: per-step expert counts (a load-only recording) or per-token expert ids with
// sequences and positions. Each importer (sglang_dump.h, ...) fills one of these and says in
// `notes` what it dropped or assumed, so the front ends can print it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace moe {

struct ImportedRouting {
    std::string format;              // e.g. "sglang per_token"
    std::vector<std::string> files;  // what was read, in order
    int experts = 0;                 // logical experts per layer
    int topK = 0;                    // experts per token; 0 for counts only
    std::vector<int> layers;         // the dump's own numbers of the kept (MoE) layers
    std::vector<std::string> notes;  // dense layers left out, maps assumed, ...

    // Counts only: per step, layers.size() x experts pairs, layer-major.
    std::vector<std::vector<int64_t>> stepLoads;

    // Per token, in step order: where it ran; `ids` holds its experts (layers.size() x topK,
    // layer-major, per token).
    struct Token {
        int64_t step = 0;  // the forward pass it ran in
        int32_t sequence = 0, position = 0, id = -1;
    };
    std::vector<Token> tokens;
    std::vector<int32_t> ids;  // tokens x layers x topK expert ids

    bool perToken() const { return topK > 0; }
    int64_t steps() const;
    // Every step's layers x experts loads (per-token routing counted).
    std::vector<std::vector<int64_t>> loadsPerStep() const;
};

}  // namespace moe
