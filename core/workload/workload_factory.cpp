// Workload options, synthetic spec parsing and named-trace lookup (opening a workload of any
// kind is core/experiment/workload_source.cpp, the layer above trace, synthetic and train). Named
// traces let the product run out of the box on the bundled subset while developers with the full
// shared data get the whole trace automatically.
#include "core/workload/workload_factory.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <vector>

#include "core/common/error.h"
#include "core/common/input_file.h"

#ifndef MOE_SOURCE_DIR
#define MOE_SOURCE_DIR "."
#endif

namespace moe {

namespace {

struct NamedTrace {
    const char* name;
    const char* folder;  // under a data directory
    const char* full;
    const char* subset;
};

constexpr NamedTrace kNamedTraces[] = {
    {"gpt-oss-20b", "traces/gpt-oss-20b", "gptoss20b_decode_routing.tsv.gz",
     "gptoss20b_decode_routing_subset.tsv.gz"},
};

bool isFile(const std::filesystem::path& p) {
    std::error_code ec;
    return std::filesystem::is_regular_file(p, ec);
}

template <typename T>
T parseNumber(const std::string& key, const std::string& value) {
    T v{};
    const char* end = value.data() + value.size();
    const auto [ptr, ec] = std::from_chars(value.data(), end, v);
    if (value.empty() || ec != std::errc() || ptr != end)
        throw Error("synthetic workload: bad value for " + key + ": '" + value + "' (expected " +
                    (std::is_floating_point_v<T> ? "a number" : "an integer") + ")");
    if constexpr (std::is_floating_point_v<T>)
        if (!std::isfinite(v)) throw Error("synthetic workload: " + key + " must be finite");
    return v;
}

// Applies one key=value of a synthetic spec.
void applySyntheticKey(SyntheticParams& p, const std::string& key, const std::string& value) {
    if (key == "layers")
        p.layers = parseNumber<int>(key, value);
    else if (key == "experts")
        p.experts = parseNumber<int>(key, value);
    else if (key == "top_k")
        p.topK = parseNumber<int>(key, value);
    else if (key == "tokens")
        p.tokensPerStep = parseNumber<int>(key, value);
    else if (key == "steps")
        p.steps = parseNumber<int64_t>(key, value);
    else if (key == "skew")
        p.skew = parseNumber<double>(key, value);
    else if (key == "drift")
        p.drift = parseNumber<double>(key, value);
    else if (key == "burst_prob")
        p.burstProb = parseNumber<double>(key, value);
    else if (key == "burst_factor")
        p.burstFactor = parseNumber<double>(key, value);
    else if (key == "burst_len")
        p.burstLength = parseNumber<int>(key, value);
    else if (key == "hidden")
        p.hiddenDim = parseNumber<int>(key, value);
    else if (key == "hidden_noise")
        p.hiddenNoise = parseNumber<double>(key, value);
    else if (key == "seed")
        p.seed = parseNumber<uint64_t>(key, value);
    else
        throw Error("synthetic workload: unknown key '" + key +
                    "' (known: layers, experts, top_k, tokens, steps, skew, drift, burst_prob, "
                    "burst_factor, burst_len, hidden, hidden_noise, seed)");
}

}  // namespace

SyntheticParams parseSyntheticSpec(const std::string& keyValues, const WorkloadOptions& options) {
    SyntheticParams p;
    p.seed = options.seed;
    p.tokensPerStep = options.tokensPerStep;
    if (options.layers) p.layers = *options.layers;
    if (options.experts) p.experts = *options.experts;
    if (options.topK) p.topK = *options.topK;
    std::set<std::string> seen;
    size_t begin = 0;
    // "synthetic:" alone takes every default; otherwise an empty item (skew=3,,drift=0.1) is a
    // typo that a silent skip would hide, as the policy and predictor specs also say.
    while (!keyValues.empty() && begin <= keyValues.size()) {
        size_t end = keyValues.find(',', begin);
        if (end == std::string::npos) end = keyValues.size();
        const std::string entry = keyValues.substr(begin, end - begin);
        begin = end + 1;
        if (entry.empty())
            throw Error("synthetic workload: empty item in '" + keyValues +
                        "' (expected key=value,key=value)");
        const size_t eq = entry.find('=');
        if (eq == std::string::npos)
            throw Error("synthetic workload: '" + entry + "' is not key=value");
        const std::string key = entry.substr(0, eq);
        if (!seen.insert(key).second)
            throw Error("synthetic workload: key '" + key + "' given twice");
        applySyntheticKey(p, key, entry.substr(eq + 1));
    }
    // Checked here, before --max-steps replaces a value it finds not positive.
    if (p.steps < 0)
        throw Error("synthetic workload: steps must be 0 (unlimited) or more, got " +
                    std::to_string(p.steps));
    if (options.maxSteps > 0)
        p.steps = p.steps > 0 ? std::min(p.steps, options.maxSteps) : options.maxSteps;
    return p;
}

std::string resolveTraceName(const std::string& nameOrPath) {
    for (const NamedTrace& named : kNamedTraces) {
        if (nameOrPath != named.name) continue;
        std::vector<std::filesystem::path> candidates;
        if (const char* dataDir = std::getenv("MOE_DATA_DIR"); dataDir && *dataDir) {
            candidates.push_back(std::filesystem::path(dataDir) / named.folder / named.full);
            candidates.push_back(std::filesystem::path(dataDir) / named.folder / named.subset);
        }
        const std::filesystem::path source(MOE_SOURCE_DIR);
        candidates.push_back(source / ".." / "shared" / "data" / named.folder / named.full);
        candidates.push_back(source / "data" / named.folder / named.subset);
        std::string looked;
        for (const auto& c : candidates) {
            const auto normal = c.lexically_normal();
            if (isFile(normal)) return normal.string();
            looked += "\n  " + normal.string();
        }
        throw Error("trace '" + nameOrPath + "' not found; looked in:" + looked +
                    "\n(set MOE_DATA_DIR to a data directory that has " + named.folder + "/)");
    }
    if (isFile(nameOrPath)) return nameOrPath;
    std::error_code ec;
    if (std::filesystem::is_directory(nameOrPath, ec))
        throw Error::inFile(nameOrPath, 0, "is a directory, not a trace file");
    if (std::filesystem::exists(nameOrPath, ec))  // a FIFO, socket or device: say so
        requireRegularFile(nameOrPath, "trace");
    std::string known;
    for (const NamedTrace& named : kNamedTraces)
        known += (known.empty() ? "" : ", ") + std::string(named.name);
    throw Error("trace '" + nameOrPath +
                "': no such file, and not a known trace name (known: " + known + ")");
}

}  // namespace moe
