// SGLang's older per-rank CSV dumps (layer_id,expert_id,count): readSglangCsv. A few rows
// naming huge layer or expert ids must not make the reader allocate a dense table of them.
#include "core/imports/sglang_csv.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path =
        moe::fuzz::writeInput(data, size, "expert_distribution_rank0_timestamp1700000100.csv");
    moe::fuzz::expectOnlyMoeError([&] { moe::readSglangCsv({path}); });
    return 0;
}
