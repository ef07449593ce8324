// Training checkpoints (binary: magic, version, model header text, length-prefixed float
// arrays): readCheckpoint. A damaged length field must be refused against the bytes left in
// the file, before anything is allocated.
#include "core/train/checkpoint.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = moe::fuzz::writeInput(data, size, "model.ckpt");
    moe::fuzz::expectOnlyMoeError([&] { moe::train::readCheckpoint(path); });
    return 0;
}
