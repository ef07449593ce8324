// Megatron-Core's routing records, as ../shared/docs/formats.md reads them from
// megatron/core/transformer/moe/router_trace.py and megatron/training/activation_logging.py:
//   router trace (--moe-routing-trace-path): router_trace_rank{r}.jsonl, one JSON object per
//     (step, block, layer) with top_indices [tokens][topk]; the ranks' tokens of a step are
//     concatenated in rank order. Multi-token-prediction heads ("block": "mtp") share layer
//     numbers with the decoder, so they are left out (and counted in a note).
//   tokens per expert (--save-tokens-per-expert-interval): tokens_per_expert/rank{r}.jsonl with
//     {iter, block, layer, tpe: [[counts of the rank's local experts] per micro-batch]}; rank
//     r's local experts are r * local .. (r + 1) * local - 1, micro-batches summed per iter.
#pragma once

#include <string>
#include <vector>

#include "core/imports/imported_routing.h"

namespace moe {

enum class MegatronRecord { None, RouterTrace, TokensPerExpert };

// What the first JSON line of `path` is; None when it is no JSON object of either kind.
MegatronRecord megatronRecordKind(const std::string& path);

// Reads every rank's file of one recording. Throws moe::Error naming the file and line.
ImportedRouting readMegatronDump(const std::vector<std::string>& files);

}  // namespace moe
