// The native routing trace (TSV, plain or gzip): ChunkedGzipReader, TraceReader's line parser
// and TraceWorkload's batching over it. Long lines without a newline, damaged or trailing gzip
// data and broken fields must be "file:line: problem" errors with bounded memory.
#include "core/workload/trace_workload.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // The gzip magic picks the .gz name, as a user's file would carry it.
    const bool gz = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
    const std::string path = moe::fuzz::writeInput(data, size, gz ? "trace.tsv.gz" : "trace.tsv");
    for (const moe::Batching batching : {moe::Batching::Continuous, moe::Batching::Tokens}) {
        moe::fuzz::expectOnlyMoeError([&] {
            moe::TraceWorkloadOptions options;
            options.path = path;
            options.shape = moe::TraceShape{2, 8, 2, {}};
            options.batching = batching;
            options.batch = 3;
            options.tokensPerStep = 5;
            moe::TraceWorkload workload(options);
            moe::Step step;
            while (workload.next(step)) {
            }
        });
    }
    return 0;
}
