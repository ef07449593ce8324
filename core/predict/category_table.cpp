// See category_table.h. 855k rows: read line by line through zlib's gzgets, split on commas.
#include "core/predict/category_table.h"

#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <vector>

#include "core/common/error.h"

#ifndef MOE_SOURCE_DIR
#define MOE_SOURCE_DIR "."
#endif

namespace moe {
namespace {
constexpr const char* kFolder = "traces/gpt-oss-20b";
constexpr const char* kFile = "gptoss20b_category_expert_load.csv.gz";

// RFC 4180 fields: categories such as "Fraud, Scams, and Deception" are quoted. Quoted
// fields are returned without their quotes (doubled quotes inside are kept as is: no row of
// the table has one, and the filter compares names only).
std::vector<std::string_view> splitCsv(std::string_view line) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i <= line.size()) {
        if (i < line.size() && line[i] == '"') {
            size_t end = i + 1;
            while (end < line.size() &&
                   !(line[end] == '"' && (end + 1 == line.size() || line[end + 1] == ',')))
                ++end;
            out.push_back(line.substr(i + 1, end - i - 1));
            i = end + 2;
        } else {
            const size_t comma = std::min(line.find(',', i), line.size());
            out.push_back(line.substr(i, comma - i));
            i = comma + 1;
        }
    }
    return out;
}

double toDouble(std::string_view s, const std::string& path, int64_t line, const char* what) {
    double v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size())
        throw Error::inFile(path, line, std::string("bad ") + what + " '" + std::string(s) + "'");
    return v;
}
}  // namespace

std::string defaultCategoryTablePath() {
    std::vector<std::filesystem::path> candidates;
    if (const char* dir = std::getenv("MOE_DATA_DIR"))
        candidates.push_back(std::filesystem::path(dir) / kFolder / kFile);
    const std::filesystem::path source(MOE_SOURCE_DIR);
    candidates.push_back(source / ".." / "shared" / "data" / kFolder / kFile);
    candidates.push_back(source / "data" / kFolder / kFile);
    for (const auto& c : candidates)
        if (std::filesystem::exists(c)) return c.lexically_normal().string();
    throw Error("the GPT-OSS per-category load table (" + std::string(kFile) +
                ") was not found; pass its path with table=PATH");
}

LoadShares readCategoryDistribution(const std::string& path, const CategoryFilter& filter,
                                    int layers, int experts) {
    gzFile f = gzopen(path.c_str(), "rb");
    if (!f) throw Error::inFile(path, 0, "cannot open");
    std::unique_ptr<gzFile_s, int (*)(gzFile)> guard(f, gzclose);
    std::vector<double> weight(static_cast<size_t>(layers) * experts, 0.0);
    char buf[1024];
    int64_t line = 0, matched = 0;
    while (gzgets(f, buf, sizeof buf)) {
        ++line;
        std::string_view row(buf);
        while (!row.empty() && (row.back() == '\n' || row.back() == '\r')) row.remove_suffix(1);
        const auto cols = splitCsv(row);
        if (line == 1) {
            if (cols.size() != 11 || cols[0] != "dataset" || cols[9] != "count_frequency")
                throw Error::inFile(path, 1,
                                    "not a GPT-OSS category load table (unexpected header)");
            continue;
        }
        if (cols.size() != 11)
            throw Error::inFile(path, line,
                                "expected 11 columns, got " + std::to_string(cols.size()));
        if (!filter.dataset.empty() && cols[0] != filter.dataset) continue;
        if (!filter.category.empty() && cols[1] != filter.category) continue;
        if (!filter.phase.empty() && cols[5] != filter.phase) continue;
        const int l = static_cast<int>(toDouble(cols[7], path, line, "layer"));
        const int e = static_cast<int>(toDouble(cols[8], path, line, "expert"));
        if (l < 0 || l >= layers || e < 0 || e >= experts)
            throw Error::inFile(
                path, line,
                "layer/expert " + std::to_string(l) + "/" + std::to_string(e) + " out of range");
        const double tokens = toDouble(cols[4], path, line, "sample_count") *
                              toDouble(cols[6], path, line, "phase_tokens_per_sample");
        weight[static_cast<size_t>(l) * experts + e] +=
            tokens * toDouble(cols[9], path, line, "count_frequency");
        ++matched;
    }
    int err = Z_OK;
    const char* msg = gzerror(f, &err);
    if (err != Z_OK && err != Z_STREAM_END)
        throw Error::inFile(path, line + 1, std::string("read error: ") + msg);
    if (matched == 0)
        throw Error::inFile(path, 0,
                            "no rows match dataset='" + filter.dataset + "' category='" +
                                filter.category + "' phase='" + filter.phase + "'");
    LoadShares out(layers, experts);
    for (int l = 0; l < layers; ++l) {
        double sum = 0;
        for (int e = 0; e < experts; ++e) sum += weight[static_cast<size_t>(l) * experts + e];
        for (int e = 0; e < experts; ++e)
            out.at(l, e) =
                sum > 0 ? static_cast<float>(weight[static_cast<size_t>(l) * experts + e] / sum)
                        : 1.0f / experts;
    }
    return out;
}

}  // namespace moe
