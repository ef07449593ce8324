// See loads_csv_reader.h.
#include "core/stats/loads_csv_reader.h"

#include <charconv>
#include <cstdint>
#include <fstream>
#include <map>
#include <vector>

#include "core/common/error.h"
#include "core/common/input_file.h"
#include "core/common/resource_limits.h"

namespace moe {
namespace {
std::vector<std::string> split(const std::string& line) {
    std::vector<std::string> out;
    size_t start = 0;
    for (size_t i = 0; i <= line.size(); ++i)
        if (i == line.size() || line[i] == ',') {
            std::string f = line.substr(start, i - start);
            while (!f.empty() && (f.back() == '\r' || f.back() == ' ')) f.pop_back();
            while (!f.empty() && f.front() == ' ') f.erase(0, 1);
            out.push_back(f);
            start = i + 1;
        }
    return out;
}

// The dense matrix the rows name must be justified by the rows themselves: one row naming
// layer 100000 and expert 1000000 would otherwise ask for 800 GB. Sparse files are fine up
// to 64 cells per row given (or 65536 cells in all).
void checkMatrixSize(const std::string& path, int layers, int experts, size_t rows) {
    const uint64_t cells = static_cast<uint64_t>(layers) * static_cast<uint64_t>(experts);
    if (cells > uint64_t{limits::kCsvDenseCells} &&
        cells > limits::kCsvCellsPerRow * static_cast<uint64_t>(rows))
        throw Error::inFile(path, 0,
                            "ids up to layer " + std::to_string(layers - 1) + " and expert " +
                                std::to_string(experts - 1) + " make a " + std::to_string(cells) +
                                "-cell matrix, but the file gives only " + std::to_string(rows) +
                                " (layer, expert) rows");
}
}  // namespace

LoadMatrix readLoadsCsv(const std::string& path) {
    requireRegularFile(path, "loads CSV");
    std::ifstream in(path);
    if (!in) throw Error::inFile(path, 0, "cannot open");
    std::string line;
    int64_t n = 0;
    if (!std::getline(in, line)) throw Error::inFile(path, 0, "empty file");
    ++n;
    const auto header = split(line);
    const bool withStep = header.size() == 4 && header[0] == "step";
    if (!(withStep && header[1] == "layer" && header[2] == "expert" && header[3] == "tokens") &&
        !(header.size() == 3 && header[0] == "layer" && header[1] == "expert" &&
          header[2] == "tokens"))
        throw Error::inFile(
            path, 1, "expected the header 'layer,expert,tokens' or 'step,layer,expert,tokens'");
    std::map<std::pair<int, int>, int64_t> sums;
    int layers = 0, experts = 0;
    while (std::getline(in, line)) {
        ++n;
        if (line.empty() || line == "\r") continue;
        const auto f = split(line);
        if (f.size() != header.size())
            throw Error::inFile(path, n,
                                "expected " + std::to_string(header.size()) + " fields, got " +
                                    std::to_string(f.size()));
        int64_t v[4] = {0, 0, 0, 0};
        for (size_t i = 0; i < f.size(); ++i) {
            auto [p, ec] = std::from_chars(f[i].data(), f[i].data() + f[i].size(), v[i]);
            if (ec != std::errc() || p != f[i].data() + f[i].size() || v[i] < 0)
                throw Error::inFile(path, n,
                                    "bad " + header[i] + " '" + f[i] + "' (a whole number >= 0)");
        }
        const int off = withStep ? 1 : 0;
        if (v[off] > limits::kCsvLayerId || v[off + 1] > limits::kCsvExpertId)
            throw Error::inFile(path, n,
                                "layer or expert id implausibly large (at most layer " +
                                    std::to_string(limits::kCsvLayerId) + ", expert " +
                                    std::to_string(limits::kCsvExpertId) + ")");
        const int l = static_cast<int>(v[off]), e = static_cast<int>(v[off + 1]);
        int64_t& sum = sums[{l, e}];
        if (__builtin_add_overflow(sum, v[off + 2], &sum))
            throw Error::inFile(path, n,
                                "the tokens of layer " + std::to_string(l) + ", expert " +
                                    std::to_string(e) + " overflow 64 bits");
        layers = std::max(layers, l + 1);
        experts = std::max(experts, e + 1);
    }
    if (sums.empty()) throw Error::inFile(path, 0, "no load rows");
    checkMatrixSize(path, layers, experts, sums.size());
    LoadMatrix m(layers, experts);
    for (const auto& [key, tokens] : sums) m.at(key.first, key.second) = tokens;
    return m;
}

}  // namespace moe
