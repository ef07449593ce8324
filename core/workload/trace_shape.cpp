// Sidecar lookup and parsing. The sidecar is tiny, so plain iostreams are fine here; the errors
// name the sidecar file and line because that is what the user must fix.
#include "core/workload/trace_shape.h"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/common/error.h"

namespace moe {

namespace {

constexpr int kMaxDimension = 1 << 20;

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

// Applies one `key=value` word to `shape`; `seen` guards against a key given twice.
void applyShapeWord(const std::string& word, TraceShape& shape, int seen[3],
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
    if (slot < 0)
        throw Error::inFile(path, line,
                            "unknown shape key '" + key + "' (expected layers, experts, top_k)");
    if (seen[slot]++) throw Error::inFile(path, line, "shape key '" + key + "' given twice");
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
    if (shape.layers < 1 || shape.layers > kMaxDimension) bad("layers must be at least 1");
    if (shape.experts < 1 || shape.experts > kMaxDimension) bad("experts must be at least 1");
    if (shape.topK < 1 || shape.topK > shape.experts)
        bad("top_k must be between 1 and experts (" + std::to_string(shape.experts) + "), got " +
            std::to_string(shape.topK));
}

TraceShape readShapeSidecar(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw Error::inFile(path, 0, "cannot open shape sidecar");
    TraceShape shape;
    int seen[3] = {0, 0, 0};
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
    if (shape.topK > shape.experts)
        throw Error::inFile(path, dataLine,
                            "top_k (" + std::to_string(shape.topK) + ") exceeds experts (" +
                                std::to_string(shape.experts) + ")");
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
    if (override.layers) shape.layers = *override.layers;
    if (override.experts) shape.experts = *override.experts;
    if (override.topK) shape.topK = *override.topK;
    validateTraceShape(shape, tracePath);
    return shape;
}

}  // namespace moe
