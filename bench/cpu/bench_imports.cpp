// Reading speed of the importers (issue 15): each recording read into the imported form,
// against reading the same bytes with fread (the `cat` of an uncompressed file) in the same
// run. Goal: at least 0.5x. The files come from the real libraries (bench/run_imports.sh runs
// bench/imports/make_files.py first); without them this benchmark says so and reports nothing.
#include <cstdio>
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
    for (const char* name :
         {"sglang_per_token_0.pt", "routed_experts.npy", "router_trace_rank0.jsonl"}) {
        const std::string path = dir + "/" + name;
        size_t bytes = 0;
        const double cat = readBytes(path, bytes);
        size_t tokens = 0;
        const double import =
            bench::medianSeconds([&] { tokens = importRouting({path}).tokens.size(); }, 3);
        const double mb = static_cast<double>(bytes) / 1e6;
        std::printf("%s: %.1f MB, %zu tokens; read %.3f s (%.0f MB/s), import %.3f s (%.0f MB/s)\n",
                    name, mb, tokens, cat, mb / cat, import, mb / import);
        const std::string key =
            std::string("import_") + std::filesystem::path(name).extension().string().substr(1);
        bench::report(key + "_mb_per_s", mb / import, "MB/s", "report");
        bench::report(key + "_ratio_to_cat", cat / import, "x_cat", ">=0.5");
    }
    return 0;
}
