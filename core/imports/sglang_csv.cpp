// See sglang_csv.h. Counts land in a (timestamp, layer, expert) table first, since a rank's
// file need not list every expert; layers that count nothing (dense ones) are left out with a
// note and the rest keep SGLang's layer numbers.
#include "core/imports/sglang_csv.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>

#include "core/common/error.h"

namespace moe {

namespace {

constexpr const char* kHeader = "layer_id,expert_id,count";

using Table = std::map<int64_t, std::map<std::pair<int, int>, int64_t>>;  // time -> (l, e)

// The dump's timestamp from the file name, or 0 when it has none.
int64_t timestampOf(const std::string& path) {
    static const std::regex pattern(R"(timestamp(\d{1,18}))");
    std::smatch m;
    const std::string name = std::filesystem::path(path).filename().string();
    return std::regex_search(name, m, pattern) ? std::stoll(m[1]) : 0;
}

// Three comma-separated whole numbers >= 0, or false.
bool parseRow(const std::string& text, int64_t (&out)[3]) {
    const char* p = text.data();
    const char* end = p + text.size();
    while (end > p && (end[-1] == '\r' || end[-1] == ' ')) --end;
    for (int i = 0; i < 3; ++i) {
        const auto [next, ec] = std::from_chars(p, end, out[i]);
        if (ec != std::errc() || out[i] < 0) return false;
        p = next;
        if (i < 2 && (p == end || *p++ != ',')) return false;
    }
    return p == end;
}

void readFile(const std::string& path, Table& table) {
    std::ifstream in(path);
    if (!in) throw Error(path + ": cannot be read");
    std::string text;
    if (!std::getline(in, text) || text.rfind(kHeader, 0) != 0)
        throw Error::inFile(path, 1, std::string("expected the header ") + kHeader);
    auto& counts = table[timestampOf(path)];
    for (int64_t line = 2; std::getline(in, text); ++line) {
        if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
        int64_t row[3];
        if (!parseRow(text, row) || row[0] > (1 << 20) || row[1] > (1 << 20))
            throw Error::inFile(path, line, "not layer_id,expert_id,count as whole numbers >= 0");
        int64_t& c = counts[{static_cast<int>(row[0]), static_cast<int>(row[1])}];
        if (__builtin_add_overflow(c, row[2], &c))
            throw Error::inFile(path, line, "the counts overflow 64 bits");
    }
}

// The dense loads the rows name (steps x kept layers x experts) must be justified by the rows
// themselves: a few rows naming expert 1000000 over many layers would otherwise ask for
// gigabytes. Sparse dumps are fine up to 64 cells per row (or 65536 cells in all).
void checkDenseSize(const ImportedRouting& r, const Table& table) {
    uint64_t rows = 0;
    for (const auto& [time, counts] : table) rows += counts.size();
    const uint64_t cells =
        table.size() * r.layers.size() * static_cast<uint64_t>(std::max(r.experts, 0));
    if (cells > (uint64_t{1} << 16) && cells > 64 * rows)
        throw Error(r.files.front() + ": expert ids up to " + std::to_string(r.experts - 1) +
                    " over " + std::to_string(r.layers.size()) + " layers make " +
                    std::to_string(cells) + " counts, but the files give only " +
                    std::to_string(rows) + " rows");
}

}  // namespace

bool isSglangCsv(const std::string& path) {
    std::ifstream in(path);
    std::string text;
    return std::getline(in, text) && text.rfind(kHeader, 0) == 0;
}

ImportedRouting readSglangCsv(const std::vector<std::string>& files) {
    ImportedRouting r;
    r.format = "sglang per-rank csv";
    r.files = files;
    Table table;
    for (const std::string& f : files) readFile(f, table);
    std::map<int, bool> layers;  // layer -> counts anything
    for (const auto& [time, counts] : table)
        for (const auto& [key, c] : counts) {
            layers[key.first] = layers[key.first] || c > 0;
            r.experts = std::max(r.experts, key.second + 1);
        }
    for (const auto& [l, counted] : layers)
        if (counted) r.layers.push_back(l);
    if (r.layers.empty()) throw Error(files.front() + ": no layer counts any token");
    checkDenseSize(r, table);
    for (const auto& [time, counts] : table) {
        std::vector<int64_t> loads(r.layers.size() * static_cast<size_t>(r.experts), 0);
        for (const auto& [key, c] : counts) {
            const auto at = std::lower_bound(r.layers.begin(), r.layers.end(), key.first);
            if (at != r.layers.end() && *at == key.first)
                loads[static_cast<size_t>(at - r.layers.begin()) * r.experts + key.second] = c;
        }
        r.stepLoads.push_back(std::move(loads));
    }
    r.notes.push_back("each dump (files of one timestamp, ranks summed) is one step: " +
                      std::to_string(table.size()) + " step(s)");
    if (r.layers.size() < layers.size())
        r.notes.push_back(std::to_string(layers.size() - r.layers.size()) +
                          " layers count no token (dense) and are left out");
    return r;
}

}  // namespace moe
