// SGLang's and vLLM's saved responses with routed experts (JSON lines, base64 or nested
// lists): readResponseDump, with top-k inferred and given. Malformed responses must be errors
// naming the file and line.
#include "core/imports/response_dump.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = moe::fuzz::writeInput(data, size, "responses.jsonl");
    moe::fuzz::expectOnlyMoeError([&] { moe::readResponseDump({path}, 0); });
    moe::fuzz::expectOnlyMoeError([&] { moe::readResponseDump({path}, 4); });
    return 0;
}
