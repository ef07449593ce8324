// NumPy .npy files: the header scanner (readNpy) and the routed-experts / router-logits
// importer over them (readArrayDump). A damaged header or shape must be a moe::Error naming
// the file, and no shape may make the reader allocate beyond the file's own bytes.
#include "core/imports/array_dump.h"
#include "core/imports/npy_file.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = moe::fuzz::writeInput(data, size, "input.npy");
    moe::fuzz::expectOnlyMoeError([&] { moe::readNpy(path); });
    moe::fuzz::expectOnlyMoeError([&] { moe::readArrayDump({path}, 0); });
    moe::fuzz::expectOnlyMoeError([&] { moe::readArrayDump({path}, 2); });
    return 0;
}
