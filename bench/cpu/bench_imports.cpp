// Reading speed of the importers (issue 15): each recording read into the imported form,
// against reading the same bytes with fread (the `cat` of an uncompressed file) in the same
// run. Goal: at least 0.5x. Beside it, `zcat` of the same bytes gzipped (what reading the
// recording would cost had it been gzipped: the native trace's own reading pays that). The files
// come from the real libraries (bench/run_imports.sh runs bench/imports/make_files.py first);
// without them this benchmark says so and reports nothing.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "bench/cpu/bench_util.h"
#include "core/common/error.h"
#include "core/imports/import_routing.h"

using namespace moe;

namespace {

double readBytes(const std::string& path, size_t& bytes) {
    std::vector<char> buffer(1 << 20);
    return bench::medianSeconds(
        [&] {
            std::FILE* f = std::fopen(path.c_str(), "rb");
            bytes = 0;
            size_t n;
            while ((n = std::fread(buffer.data(), 1, buffer.size(), f)) > 0) bytes += n;
            std::fclose(f);
        },
        5);
}

// Seconds of `zcat` on the file gzipped (as bench_trace_read times it): what reading the
// recording would cost had it been gzipped.
double zcatSeconds(const std::string& path) {
    const std::string gz = path + ".bench.gz";
    if (std::system(("gzip -c '" + path + "' > '" + gz + "'").c_str()) != 0)
        throw Error("gzip failed on " + path);
    const std::string cmd = "zcat '" + gz + "' > /dev/null";
    const double seconds = bench::medianSeconds(
        [&] {
            if (std::system(cmd.c_str()) != 0) throw Error("zcat failed on " + gz);
        },
        3);
    std::filesystem::remove(gz);
    return seconds;
}

// Seconds to allocate and write an int32 array of `n` values, the size of an import's result
// (median of 3 after one untimed, the same allocator): what any reader pays to hand over what
// it read, which `cat`, reusing one small buffer, never pays. What an import takes beyond
// `cat` plus this is its own work: parsing, checking, converting.
double writeResultSeconds(size_t n) {
    return bench::medianSeconds(
        [&] {
            std::vector<int32_t> ids(n);
            for (size_t i = 0; i < n; ++i) ids[i] = static_cast<int32_t>(i & 31);
            static volatile int32_t sink;
            sink = ids[n / 2];
        },
        3);
}

struct Recording {
    const char* file;
    const char* key;  // result names: import_<key>_...
    int topK;         // what the recording does not say (router logits)
};

}  // namespace

int main(int argc, char** argv) {
    const char* env = std::getenv("MOE_IMPORT_BENCH_DIR");
    const std::string dir = argc > 1 ? argv[1] : env ? env : "";
    if (dir.empty() || !std::filesystem::is_directory(dir)) {
        std::printf(
            "bench_imports: no recordings to read (run bench/run_imports.sh, which makes "
            "them with torch and numpy); nothing measured\n");
        return 0;
    }
    const Recording recordings[] = {{"sglang_per_token_0.pt", "pt", 0},
                                    {"routed_experts.npy", "npy", 0},
                                    {"router_trace_rank0.jsonl", "jsonl", 0},
                                    {"sglang_responses.jsonl", "sglang_responses", 0},
                                    {"vllm_responses.jsonl", "vllm_responses", 0},
                                    {"router_logits.safetensors", "safetensors", 4}};
    for (const Recording& r : recordings) {
        const std::string path = dir + "/" + r.file;
        if (!std::filesystem::exists(path)) continue;
        size_t bytes = 0;
        const double cat = readBytes(path, bytes);
        const double zcat = zcatSeconds(path);
        size_t tokens = 0, ids = 0;
        const double import = bench::medianSeconds(
            [&] {
                const ImportedRouting routing = importRouting({path}, r.topK);
                tokens = routing.tokens.size();
                ids = routing.ids.size();
            },
            3);
        const double write = writeResultSeconds(ids);
        const double mb = static_cast<double>(bytes) / 1e6;
        std::printf(
            "%s: %.1f MB, %zu tokens; read %.3f s (%.0f MB/s), zcat %.3f s (%.0f MB/s), "
            "import %.3f s (%.0f MB/s); writing the %.1f MB result alone %.3f s\n",
            r.file, mb, tokens, cat, mb / cat, zcat, mb / zcat, import, mb / import,
            static_cast<double>(ids) * 4 / 1e6, write);
        const std::string key = std::string("import_") + r.key;
        bench::report(key + "_mb_per_s", mb / import, "MB/s", "report");
        bench::report(key + "_ratio_to_cat", cat / import, "x_cat", ">=0.5");
        bench::report(key + "_ratio_to_zcat", zcat / import, "x_zcat", "report");
        bench::report(key + "_ratio_to_cat_and_result", (cat + write) / import, "x", "report");
    }
    return 0;
}
