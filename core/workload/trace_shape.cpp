// Sidecar lookup and parsing. The sidecar is tiny, so plain iostreams are fine here; the errors
// name the sidecar file and line because that is what the user must fix.
#include "core/workload/trace_shape.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/common/error.h"
#include "core/common/input_file.h"
#include "core/common/resource_limits.h"

namespace moe {

namespace {

constexpr int kMaxDimension = limits::kTraceDimension;

bool stripSuffix(std::string& s, const std::string& suffix) {
    if (s.size() < suffix.size() || s.compare(s.size() - suffix.size(), suffix.size(), suffix) != 0)
        return false;
    s.resize(s.size() - suffix.size());
    return true;
}

int parseDimension(const std::string& key, const std::string& value, const std::string& path,
                   int line) {
    int v = 0;
    const char* end = value.data() + value.size();
    const auto [ptr, ec] = std::from_chars(value.data(), end, v);
    if (value.empty() || ec != std::errc() || ptr != end || v < 1 || v > kMaxDimension)
        throw Error::inFile(path, line,
                            "bad shape value " + key + "=" + value +
                                " (expected an integer from 1 to " + std::to_string(kMaxDimension) +
                                ")");
    return v;
}

// `1,2,3`: whole numbers in [least, kMaxListValue], distinct where asked (`key` names the list
// in the message).
constexpr int64_t kMaxListValue = int64_t{1} << 40;
constexpr int64_t kMaxStepTokens = limits::kRecordedStepTokens;

Error listError(const std::string& key, const std::string& value, int64_t least, bool distinct,
                const std::string& path, int line) {
    return Error::inFile(path, line,
                         "bad " + key + " '" + value.substr(0, 80) + "' (expected " +
                             (distinct ? "distinct " : "") +
                             "whole numbers >= " + std::to_string(least) + ", like 1,2,3)");
}

std::vector<int64_t> parseNumberList(const std::string& key, const std::string& value,
                                     int64_t least, bool distinct, const std::string& path,
                                     int line) {
    std::vector<int64_t> out;
    // getline drops a trailing empty item; a value like `1,2,` is still a typo.
    const std::string padded = value.empty() || value.back() == ',' ? value + ",x" : value;
    std::istringstream items(padded);
    for (std::string item; std::getline(items, item, ',');) {
        int64_t v = -1;
        const auto [ptr, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
        const bool bad = item.empty() || ec != std::errc() || ptr != item.data() + item.size() ||
                         v < least || v > kMaxListValue;
        if (bad) throw listError(key, value, least, distinct, path, line);
        out.push_back(v);
    }
    if (distinct) {  // sorted, not pairwise: a sidecar may list a million layers
        std::vector<int64_t> sorted = out;
        std::sort(sorted.begin(), sorted.end());
        if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
            throw listError(key, value, least, distinct, path, line);
    }
    return out;
}

// Applies one `key=value` word to `shape`; `seen` guards against a key given twice.
void applyShapeWord(const std::string& word, TraceShape& shape, int seen[5],
                    const std::string& path, int line) {
    const size_t eq = word.find('=');
    if (eq == std::string::npos)
        throw Error::inFile(path, line, "bad shape entry '" + word + "' (expected key=value)");
    const std::string key = word.substr(0, eq);
    const std::string value = word.substr(eq + 1);
    int slot = -1;
    if (key == "layers") slot = 0;
    if (key == "experts") slot = 1;
    if (key == "top_k") slot = 2;
    if (key == "model_layers") slot = 3;
    if (key == "step_tokens") slot = 4;
    if (slot < 0)
        throw Error::inFile(path, line,
                            "unknown shape key '" + key +
                                "' (expected layers, experts, top_k, model_layers, step_tokens)");
    if (seen[slot]++) throw Error::inFile(path, line, "shape key '" + key + "' given twice");
    if (slot == 3) {
        const auto numbers = parseNumberList(key, value, 0, true, path, line);
        for (int64_t n : numbers)
            if (n > kMaxDimension)
                throw Error::inFile(path, line,
                                    "model_layers names layer " + std::to_string(n) + ", beyond " +
                                        std::to_string(kMaxDimension));
        shape.modelLayers.assign(numbers.begin(), numbers.end());
        return;
    }
    if (slot == 4) {
        shape.stepTokens = parseNumberList(key, value, 1, false, path, line);
        for (int64_t n : shape.stepTokens)
            if (n > kMaxStepTokens)
                throw Error::inFile(path, line,
                                    "step_tokens holds a step of " + std::to_string(n) +
                                        " tokens, beyond " + std::to_string(kMaxStepTokens));
        return;
    }
    const int v = parseDimension(key, value, path, line);
    (slot == 0 ? shape.layers : slot == 1 ? shape.experts : shape.topK) = v;
}

}  // namespace

std::string shapeSidecarPath(const std::string& tracePath) {
    std::string base = tracePath;
    stripSuffix(base, ".gz");
    stripSuffix(base, ".tsv");
    return base + ".shape";
}

void validateTraceShape(const TraceShape& shape, const std::string& where) {
    auto bad = [&](const std::string& what) {
        throw Error(where + ": invalid trace shape: " + what);
    };
    const std::string range = " must be from 1 to " + std::to_string(kMaxDimension) + ", got ";
    if (shape.layers < 1 || shape.layers > kMaxDimension)
        bad("layers" + range + std::to_string(shape.layers));
    if (shape.experts < 1 || shape.experts > kMaxDimension)
        bad("experts" + range + std::to_string(shape.experts));
    if (shape.topK < 1 || shape.topK > shape.experts)
        bad("top_k must be between 1 and experts (" + std::to_string(shape.experts) + "), got " +
            std::to_string(shape.topK));
    // Each dimension may reach 2^20, their product (ids per token, an int) may not overflow.
    if (int64_t{shape.layers} * shape.topK > kMaxDimension)
        bad("layers x top_k = " + std::to_string(int64_t{shape.layers} * shape.topK) +
            " expert ids per token, more than " + std::to_string(kMaxDimension));
}

TraceShape readShapeSidecar(const std::string& path) {
    requireRegularFile(path, "shape sidecar");
    std::ifstream in(path);
    if (!in) throw Error::inFile(path, 0, "cannot open shape sidecar");
    TraceShape shape;
    int seen[5] = {0, 0, 0, 0, 0};
    int dataLine = 0;
    std::string text;
    for (int line = 1; std::getline(in, text); ++line) {
        if (!text.empty() && text.back() == '\r') text.pop_back();
        std::istringstream words(text);
        std::string word;
        while (words >> word) {
            if (word[0] == '#') break;  // the rest of the line is a comment
            if (dataLine && dataLine != line)
                throw Error::inFile(path, line, "unexpected second shape line");
            dataLine = line;
            applyShapeWord(word, shape, seen, path, line);
        }
    }
    const char* names[3] = {"layers", "experts", "top_k"};
    for (int i = 0; i < 3; ++i)
        if (!seen[i])
            throw Error::inFile(path, dataLine ? dataLine : 1,
                                std::string("shape sidecar lacks ") + names[i] +
                                    " (expected a line like `layers=24 experts=32 top_k=4`)");
    if (!shape.modelLayers.empty() && shape.modelLayers.size() != static_cast<size_t>(shape.layers))
        throw Error::inFile(path, dataLine,
                            "model_layers names " + std::to_string(shape.modelLayers.size()) +
                                " layers, the trace has " + std::to_string(shape.layers));
    if (shape.topK > shape.experts)
        throw Error::inFile(path, dataLine,
                            "top_k (" + std::to_string(shape.topK) + ") exceeds experts (" +
                                std::to_string(shape.experts) + ")");
    if (int64_t{shape.layers} * shape.topK > kMaxDimension)
        throw Error::inFile(
            path, dataLine,
            "layers x top_k = " + std::to_string(int64_t{shape.layers} * shape.topK) +
                " expert ids per token, more than " + std::to_string(kMaxDimension));
    return shape;
}

TraceShape resolveTraceShape(const std::string& tracePath, const TraceShapeOverride& override) {
    TraceShape shape;
    if (!(override.layers && override.experts && override.topK)) {
        const std::string sidecar = shapeSidecarPath(tracePath);
        std::error_code ec;
        if (!std::filesystem::exists(sidecar, ec))
            throw Error::inFile(tracePath, 0,
                                "trace shape unknown: give layers, experts and top-k as options "
                                "or put a sidecar " +
                                    sidecar +
                                    " beside the trace with one line like "
                                    "`layers=24 experts=32 top_k=4`");
        shape = readShapeSidecar(sidecar);
    }
    if (override.layers && *override.layers != shape.layers) shape.modelLayers.clear();
    if (override.layers) shape.layers = *override.layers;
    if (override.experts) shape.experts = *override.experts;
    if (override.topK) shape.topK = *override.topK;
    validateTraceShape(shape, tracePath);
    return shape;
}

}  // namespace moe
