// How trace tokens are grouped into Steps. Replaying a trace needs a serving model: fixed-size
// token batches, whole sequences, or continuous batching with B sequences in flight (what
// inference servers do, and so the default).
#pragma once

#include <string>

namespace moe {

// Recorded: the steps a recording ran, kept in the trace's sidecar (step_tokens=) by `import`.
enum class Batching { Tokens, Sequence, Continuous, Recorded };

// "tokens" | "sequence" | "continuous" | "recorded"; throws moe::Error listing the choices
// otherwise.
Batching parseBatching(const std::string& name);
const char* batchingName(Batching batching);

}  // namespace moe
