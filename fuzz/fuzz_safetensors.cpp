// Hugging Face .safetensors files: the header size, the JSON header and the byte ranges
// (readSafetensors), and the router-logits importer over them (readArrayDump). Sizes and
// ranges must be checked against the file before anything is allocated.
#include "core/imports/array_dump.h"
#include "core/imports/safetensors_file.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = moe::fuzz::writeInput(data, size, "input.safetensors");
    moe::fuzz::expectOnlyMoeError([&] { moe::readSafetensors(path); });
    moe::fuzz::expectOnlyMoeError([&] { moe::readArrayDump({path}, 0); });
    moe::fuzz::expectOnlyMoeError([&] { moe::readArrayDump({path}, 2); });
    return 0;
}
