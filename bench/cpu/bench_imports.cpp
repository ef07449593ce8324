// Reading speed of the importers (issue 15): each recording read into the imported form,
// against reading the same bytes with fread (the `cat` of an uncompressed file) in the same
// run. Goal: at least 0.5x. Beside it, `zcat` of the same bytes gzipped (what reading the
// recording would cost had it been gzipped: the native trace's own reading pays that). The files
// come from the real libraries (bench/run_imports.sh runs bench/imports/make_files.py first);
// without them this benchmark says so and reports nothing.
// Both are timed twice: from the page cache (hot: fread copies at memory speed, 8-30 GB/s on
// the machines measured), and with the file's pages dropped first (cold: what the first open
// of a recording pays, the disk's speed included).
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "bench/cpu/bench_util.h"
#include "core/common/error.h"
#include "core/imports/import_routing.h"

using namespace moe;

namespace {

// The file's bytes read with fread into one reused buffer, as `cat` reads them.
size_t readAll(const std::string& path) {
    static std::vector<char> buffer(1 << 20);
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw Error("cannot open " + path);
    size_t bytes = 0, n;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), f)) > 0) bytes += n;
    std::fclose(f);
    return bytes;
}

// Drops the file's pages from the page cache (written back first: dirty pages stay). Returns
// the share of its pages still cached afterwards (0 when all went; 1 where the system keeps
// them), so a "cold" figure is only reported where the file really was read cold. Its own
// mapping, not MappedFile's, which populates the pages and so would read the file back in.
double evict(const std::string& path) {
    const int fd = open(path.c_str(), O_RDONLY);
    if (fd < 0) throw Error("cannot open " + path);
    fsync(fd);
    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    const off_t size = lseek(fd, 0, SEEK_END);
    double cached = 1;
    void* map = size > 0 ? mmap(nullptr, static_cast<size_t>(size), PROT_READ, MAP_SHARED, fd, 0)
                         : MAP_FAILED;
    if (map != MAP_FAILED) {
        const long page = sysconf(_SC_PAGESIZE);
        std::vector<unsigned char> in((static_cast<size_t>(size) + page - 1) / page);
        if (mincore(map, static_cast<size_t>(size), in.data()) == 0)
            cached = static_cast<double>(std::count_if(in.begin(), in.end(),
                                                       [](unsigned char c) { return c & 1; })) /
                     static_cast<double>(in.size());
        munmap(map, static_cast<size_t>(size));
    }
    close(fd);
    return cached;
}

// Median seconds of `fn` over 3 runs, the file's pages dropped before each; negative where
// the page cache kept more than 1% of them.
double coldSeconds(const std::string& path, const std::function<void()>& fn) {
    bool cold = true;
    const double seconds =
        bench::medianSeconds(fn, 3, 0, [&] { cold = cold && evict(path) <= 0.01; });
    return cold ? seconds : -1;
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

// One recording: fread, zcat and the import, hot and cold; prints and reports the ratios.
void measure(const std::string& path, const Recording& r) {
    size_t bytes = 0, tokens = 0, ids = 0;
    const auto cat = [&] { bytes = readAll(path); };
    const auto import = [&] {
        const ImportedRouting routing = importRouting({path}, r.topK);
        tokens = routing.tokens.size();
        ids = routing.ids.size();
    };
    const double hotCat = bench::medianSeconds(cat, 5), coldCat = coldSeconds(path, cat);
    const double zcat = zcatSeconds(path);
    const double hotImport = bench::medianSeconds(import, 3),
                 coldImport = coldSeconds(path, import);
    const double write = writeResultSeconds(ids);
    const double mb = static_cast<double>(bytes) / 1e6;
    std::printf(
        "%s: %.1f MB, %zu tokens; hot: read %.3f s (%.0f MB/s), import %.3f s (%.0f MB/s); "
        "zcat %.3f s (%.0f MB/s); writing the %.1f MB result alone %.3f s\n",
        r.file, mb, tokens, hotCat, mb / hotCat, hotImport, mb / hotImport, zcat, mb / zcat,
        static_cast<double>(ids) * 4 / 1e6, write);
    const std::string key = std::string("import_") + r.key;
    bench::report(key + "_mb_per_s", mb / hotImport, "MB/s", "report");
    bench::report(key + "_ratio_to_cat", hotCat / hotImport, "x_cat", ">=0.5");
    bench::report(key + "_ratio_to_zcat", zcat / hotImport, "x_zcat", "report");
    bench::report(key + "_ratio_to_cat_and_result", (hotCat + write) / hotImport, "x", "report");
    if (coldCat < 0 || coldImport < 0) {
        std::printf("  cold: not measured (the page cache kept the file's pages)\n");
        return;
    }
    std::printf("  cold: read %.3f s (%.0f MB/s), import %.3f s (%.0f MB/s)\n", coldCat,
                mb / coldCat, coldImport, mb / coldImport);
    bench::report(key + "_cold_mb_per_s", mb / coldImport, "MB/s", "report");
    bench::report(key + "_cold_ratio_to_cat", coldCat / coldImport, "x_cat", "report");
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
    const Recording recordings[] = {{"sglang_per_token_0.pt", "pt", 0},
                                    {"routed_experts.npy", "npy", 0},
                                    {"router_trace_rank0.jsonl", "jsonl", 0},
                                    {"sglang_responses.jsonl", "sglang_responses", 0},
                                    {"vllm_responses.jsonl", "vllm_responses", 0},
                                    {"router_logits.safetensors", "safetensors", 4}};
    for (const Recording& r : recordings) {
        const std::string path = dir + "/" + r.file;
        if (std::filesystem::exists(path)) measure(path, r);
    }
    return 0;
}
