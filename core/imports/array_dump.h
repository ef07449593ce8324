// Routing saved as NumPy arrays (.npy) or safetensors files (each tensor an array, in the
// natural order of their names), the two shapes people save from their stacks:
//   routed experts, integer [tokens, layers, top_k], one file per request, as SGLang and vLLM
//   return them with --enable-return-routed-experts: each file is one sequence;
//   router logits, float [tokens, experts] one file per layer (files in name order are the
//   layers) or stacked [layers, tokens, experts], as transformers returns them with
//   output_router_logits=True: top-k of each row, k given or, for GPT-OSS's dense top-k
//   scores (zeros for experts not chosen), the count of non-zero scores.
#pragma once

#include <string>
#include <vector>

#include "core/imports/imported_routing.h"

namespace moe {

// Throws moe::Error naming the file when the arrays are of neither shape, or disagree.
ImportedRouting readArrayDump(const std::vector<std::string>& files, int topK);

}  // namespace moe
