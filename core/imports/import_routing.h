// The front door for other stacks' recordings: given files (or a folder of per-rank files),
// tell the format from their content, not their names, read them into ImportedRouting, and
// write that back out in the workbench's own forms: the native trace (per-token routing) or
// the loads CSV (counts only).
#pragma once

#include <string>
#include <vector>

#include "core/imports/imported_routing.h"

namespace moe {

// Throws moe::Error naming the file when none of the known formats reads it: SGLang's
// expert-distribution recorder (stat / per_pass / per_token), Megatron-Core's router trace and
// tokens per expert, SGLang's older per-rank CSV, SGLang's and vLLM's responses with routed
// experts, .npy routed experts, and router logits in .npy or .safetensors. `topK`: the model's
// experts per token where a format does not say (router logits); 0 = infer where possible.
ImportedRouting importRouting(const std::vector<std::string>& paths, int topK = 0);

// True when `path` is a folder or a file one of the readers above recognises by its content
// (what lets a bare path be a workload).
bool isKnownRecording(const std::string& path);

// The native trace: gzip TSV `seq<TAB>pos<TAB>ids...` (layers x top-k ids per token, layer-major)
// and its `.shape` sidecar beside it, each sequence's tokens together. Where no sequence spans
// steps the sidecar keeps the recorded steps (step_tokens=, replayed by --batching recorded).
// Returns how to replay the recording's own steps from the trace (the flags), or why they
// cannot be. Throws moe::Error for counts-only routing.
std::string writeNativeTrace(const ImportedRouting& routing, const std::string& path);

// The loads CSV (`step,layer,expert,tokens`), layers numbered 0.. in the kept order.
void writeImportedLoads(const ImportedRouting& routing, const std::string& path);

// SGLang's logical_count form: {"logical_count": [steps][layers][experts]}, which
// --init-expert-location reads to plan from, so a recording can seed a server.
void writeLogicalCountJson(const ImportedRouting& routing, const std::string& path);

// Several lines for people: format, files, layers (with the dump's numbers), experts, top-k,
// steps, tokens, and every note.
std::string describeImport(const ImportedRouting& routing);

}  // namespace moe
