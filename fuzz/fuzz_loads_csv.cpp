// The loads CSV (`layer,expert,tokens` or `step,layer,expert,tokens`) that planning and the
// dist_only predictor read: readLoadsCsv. A row naming a huge id must not make it allocate a
// matrix the file does not justify; sums must not overflow.
#include "core/stats/loads_csv_reader.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = moe::fuzz::writeInput(data, size, "loads.csv");
    moe::fuzz::expectOnlyMoeError([&] { moe::readLoadsCsv(path); });
    return 0;
}
