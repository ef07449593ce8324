// Megatron-Core's JSON-lines recordings (router trace read with simdjson, tokens per expert
// with nlohmann::json): readMegatronDump. Bad lines must be "file:line: problem" errors, and
// sparse (step, layer) keys must not blow up into dense tables the input does not justify.
#include "core/imports/megatron_dump.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = moe::fuzz::writeInput(data, size, "router_trace_rank0.jsonl");
    moe::fuzz::expectOnlyMoeError([&] { moe::readMegatronDump({path}); });
    return 0;
}
