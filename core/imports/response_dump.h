// Server responses saved one per line (JSON lines), each a request served with
// --enable-return-routed-experts:
//   SGLang: meta_info.routed_experts, base64 of little-endian int32 [tokens - 1,
//     num_hidden_layers, top_k] (tokens = prompt_tokens + completion_tokens, in meta_info);
//   vLLM: routed_experts (and prompt_routed_experts before it) as nested lists [tokens][MoE
//     layers][top_k], at the top level or in choices[0].
// Each response is one request; requests replay in lockstep (request_lockstep.h). SGLang's
// layer axis counts dense layers, which hold no routing (all ids 0): they are left out and the
// kept layers keep their model numbers.
#pragma once

#include <string>
#include <vector>

#include "core/imports/imported_routing.h"

namespace moe {

// True when the first non-blank line of `path` is a JSON object carrying routed experts in
// either form above.
bool isResponseDump(const std::string& path);

// `topK`: the model's experts per token, needed to split SGLang's flat rows into layers; 0
// infers it (the largest group size in which no expert repeats, said in the notes). Throws
// moe::Error naming the file and line (bad base64, rows that do not fill tokens x layers x k,
// responses of different widths).
ImportedRouting readResponseDump(const std::vector<std::string>& files, int topK);

}  // namespace moe
