// The trace's `.shape` sidecar (layers=24 experts=32 top_k=4 [model_layers=...]):
// readShapeSidecar, then a TraceReader opened with the shape it returns. Whatever a sidecar
// says, opening a trace with it must not overflow or allocate beyond reason.
#include "core/workload/trace_reader.h"
#include "core/workload/trace_shape.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const std::string trace = [] {
        const std::string line = "0\t0\t1 2\t3 4\n";
        return moe::fuzz::writeInput(reinterpret_cast<const uint8_t*>(line.data()), line.size(),
                                     "trace.tsv");
    }();
    const std::string path = moe::fuzz::writeInput(data, size, "trace.shape");
    moe::fuzz::expectOnlyMoeError([&] {
        const moe::TraceShape shape = moe::readShapeSidecar(path);
        moe::TraceReader reader(trace, shape);
        moe::TraceRecord record;
        while (reader.next(record)) {
        }
    });
    return 0;
}
