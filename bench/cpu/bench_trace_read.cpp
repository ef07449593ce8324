// Reading + counting the whole GPT-OSS-20B trace (every token's 24 x 4 expert ids into a
// per-layer load matrix), as a ratio to `zcat FILE > /dev/null` timed in the same run.
// Goal: at most 2.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "bench/cpu/bench_util.h"
#include "core/common/error.h"
#include "core/experiment/workload_source.h"
#include "core/stats/workload_stats.h"

using namespace moe;

int main(int argc, char** argv) {
    try {
        const std::string path = resolveTraceName(argc > 1 ? argv[1] : "gpt-oss-20b");
        if (!std::filesystem::exists(path)) throw Error("no trace at " + path);
        int64_t tokens = 0;
        const double readSec = bench::medianSeconds(
            [&] {
                WorkloadOptions wo;
                wo.spec = "trace:" + path;
                wo.batching = Batching::Tokens;
                wo.tokensPerStep = 4096;
                auto w = openWorkload(wo);
                tokens = computeWorkloadStats(*w).tokens;
            },
            5);
        const std::string cmd = "zcat '" + path + "' > /dev/null";
        const double zcatSec = bench::medianSeconds(
            [&] {
                if (std::system(cmd.c_str()) != 0) throw Error("zcat failed on " + path);
            },
            5);
        std::printf("trace %s: %lld tokens; read+count %.3f s, zcat %.3f s\n", path.c_str(),
                    static_cast<long long>(tokens), readSec, zcatSec);
        bench::report("trace_read_count_vs_zcat", readSec / zcatSec, "x_zcat", "<=2");
        bench::report("trace_read_count_seconds", readSec, "s", "-");
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
