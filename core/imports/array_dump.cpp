// See array_dump.h. Requests replay in lockstep: step i holds token i of every request still
// running (as a server decoding them together would), so sequences, positions and per-step
// loads all follow from the files. Router logits are one forward pass: one step.
#include "core/imports/array_dump.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <numeric>

#include "core/common/error.h"
#include "core/imports/import_threads.h"
#include "core/imports/npy_file.h"
#include "core/imports/request_lockstep.h"
#include "core/imports/safetensors_file.h"

namespace moe {

namespace {

ImportedRouting routedExperts(const std::vector<NpyArray>& arrays) {
    const NpyArray& a0 = arrays.front();
    const int L = static_cast<int>(a0.shape[1]), k = static_cast<int>(a0.shape[2]);
    std::vector<RequestRouting> requests;
    for (const NpyArray& a : arrays) {
        if (a.shape[1] != L || a.shape[2] != k)
            throw Error(a.path + ": [tokens, layers, top_k] differs from " + a0.path + "'s");
        requests.push_back({a.path, a.shape[0], a.int32s()});
    }
    ImportedRouting r = requestsInLockstep(std::move(requests), L, k);
    for (const NpyArray& a : arrays) r.files.push_back(a.path);
    r.format = "routed experts (.npy per request)";
    return r;
}

// A key that orders like the score as an unsigned integer: NaN lowest (1), above it -inf ...
// +inf; -0 and +0 equal. 0 is left for "taken".
uint64_t orderKey(double v) {
    if (std::isnan(v)) return 1;
    const uint64_t bits = std::bit_cast<uint64_t>(v + 0.0);  // -0 + 0 is +0
    return (bits >> 63) ? ~bits : bits | (uint64_t{1} << 63);
}

// The top-k of one row of scores, highest first (ties to the lower id), written at `out`.
// k rounds of "largest key, then its first index": the maximum is a branch-free reduction the
// compiler vectorises, where an insertion into a running top-k mispredicted a branch at nearly
// every score of random logits. `keys` is scratch for E values.
void topOfRow(const double* scores, int E, int k, int32_t* out, uint64_t* keys) {
    for (int e = 0; e < E; ++e) keys[e] = orderKey(scores[e]);
    for (int j = 0; j < k; ++j) {
        uint64_t top = 0;
        for (int e = 0; e < E; ++e) top = std::max(top, keys[e]);
        int at = 0;
        while (keys[at] != top) ++at;
        out[j] = at;
        keys[at] = 0;
    }
}

// Rows widened at a time: 1,024, fewer where rows are long (about 1 MB of doubles a block),
// never more than there are rows (a [1, 10^7] array is one row, not 1,024).
size_t blockRows(size_t rows, int E) {
    constexpr size_t kBlockBytes = size_t{1} << 20, kMaxRows = 1024;
    const size_t fit = std::max<size_t>(1, kBlockBytes / (sizeof(double) * static_cast<size_t>(E)));
    return std::max<size_t>(1, std::min({kMaxRows, fit, rows}));
}

// Rows of a [tokens, experts] array widened a block at a time into one reused buffer: the
// array is never copied whole, and the block stays in cache while it is used.
template <typename PerRow>
void forEachRow(const NpyArray& a, int E, PerRow perRow) {
    const size_t rows = static_cast<size_t>(a.elements()) / static_cast<size_t>(E);
    const size_t per = blockRows(rows, E);
    std::vector<double> block(per * static_cast<size_t>(E));
    for (size_t first = 0; first < rows; first += per) {
        const size_t n = std::min(per, rows - first);
        a.numbersAt(first * E, n * E, block.data());
        for (size_t r = 0; r < n; ++r) perRow(first + r, block.data() + r * E);
    }
}

// Each token's top-k in every layer into `ids` [tokens, layers, k]. Tokens go in blocks with
// the layers inside, so the block's part of `ids` stays in cache while every layer writes it;
// the blocks are shared out among threads (import_threads.h), each writing its own tokens.
void topKOfLayers(const std::vector<NpyArray>& layers, int E, int k, std::vector<int32_t>& ids) {
    const size_t T = static_cast<size_t>(layers.front().shape[0]), L = layers.size();
    const size_t per = blockRows(T, E), blocks = (T + per - 1) / per;
    size_t bytes = 0;
    for (const NpyArray& a : layers) bytes += a.data.size();
    const int pieces = static_cast<int>(std::min<size_t>(
        static_cast<size_t>(imports::threadsFor(bytes)), std::max<size_t>(blocks, 1)));
    imports::onEachPiece(pieces, [&](int piece) {
        std::vector<double> block(per * static_cast<size_t>(E));
        std::vector<uint64_t> keys(static_cast<size_t>(E));
        for (size_t b = static_cast<size_t>(piece); b < blocks; b += static_cast<size_t>(pieces)) {
            const size_t first = b * per, n = std::min(per, T - first);
            for (size_t l = 0; l < L; ++l) {
                layers[l].numbersAt(first * E, n * E, block.data());
                for (size_t r = 0; r < n; ++r)
                    topOfRow(block.data() + r * E, E, k, ids.data() + ((first + r) * L + l) * k,
                             keys.data());
            }
        }
    });
}

// k when every token of every layer has the same number of non-zero scores (dense top-k
// scores, as GPT-OSS records them); 0 otherwise.
int nonZeroTopK(const std::vector<NpyArray>& layers, int E) {
    int k = -1;
    for (const NpyArray& a : layers)
        forEachRow(a, E, [&](size_t, const double* row) {
            const int n =
                static_cast<int>(std::count_if(row, row + E, [](double v) { return v != 0; }));
            if (k < 0) k = n;
            if (n != k) k = 0;
        });
    return k > 0 && k < E ? k : 0;
}

ImportedRouting routerLogits(const std::vector<NpyArray>& layers, int topK) {
    ImportedRouting r;
    r.format = "router logits (.npy)";
    const int64_t T = layers.front().shape[0];
    r.experts = static_cast<int>(layers.front().shape[1]);
    for (const NpyArray& a : layers) {
        if (r.files.empty() || r.files.back() != a.path) r.files.push_back(a.path);
        if (a.shape != layers.front().shape)
            throw Error(a.path + ": [tokens, experts] differs from " + layers.front().path + "'s");
    }
    r.topK = topK > 0 ? topK : nonZeroTopK(layers, r.experts);
    if (r.topK <= 0 || r.topK > r.experts)
        throw Error(layers.front().path +
                    ": router logits need the model's top_k (--top-k); "
                    "the scores are not a fixed number of non-zeros per token");
    const size_t L = layers.size(), k = static_cast<size_t>(r.topK);
    for (size_t l = 0; l < L; ++l) r.layers.push_back(static_cast<int>(l));
    r.tokens.resize(static_cast<size_t>(T));
    for (int64_t t = 0; t < T; ++t) r.tokens[t] = {0, static_cast<int32_t>(t), 0, -1};
    r.ids.resize(static_cast<size_t>(T) * L * k);
    topKOfLayers(layers, r.experts, r.topK, r.ids);
    r.notes.push_back("one forward pass: one step, each token its own sequence; top-" +
                      std::to_string(r.topK) + " of each token's scores");
    return r;
}

// A stacked [layers, tokens, experts] array as one 2-D array per layer.
std::vector<NpyArray> unstack(const NpyArray& a) {
    std::vector<NpyArray> out;
    const size_t bytes = a.data.size() / static_cast<size_t>(a.shape[0]);
    for (int64_t l = 0; l < a.shape[0]; ++l) {
        NpyArray layer{a.path, a.dtype, {a.shape[1], a.shape[2]}, {}, a.file};
        layer.data = a.data.substr(static_cast<size_t>(l) * bytes, bytes);
        out.push_back(std::move(layer));
    }
    return out;
}

ImportedRouting routingOf(const std::vector<NpyArray>& arrays, int topK) {
    const NpyArray& a0 = arrays.front();
    for (const NpyArray& a : arrays)
        if (a.isInteger() != a0.isInteger() || a.shape.size() != a0.shape.size())
            throw Error(a.path + ": not the same kind of array as " + a0.path);
    for (const NpyArray& a : arrays)
        for (int64_t d : a.shape)
            if (d <= 0) throw Error(a.path + ": an empty dimension in its shape");
    if (a0.isInteger() && a0.shape.size() == 3) return routedExperts(arrays);
    if (!a0.isInteger() && a0.shape.size() == 2) return routerLogits(arrays, topK);
    if (!a0.isInteger() && a0.shape.size() == 3 && arrays.size() == 1)
        return routerLogits(unstack(a0), topK);
    throw Error(a0.path + ": an array of " + std::to_string(a0.shape.size()) + " dimensions (" +
                (a0.isInteger() ? "integer" : "float") +
                "); expected routed experts, integer [tokens, layers, top_k], or router logits, "
                "float [tokens, experts] per layer or [layers, tokens, experts]");
}

}  // namespace

ImportedRouting readArrayDump(const std::vector<std::string>& files, int topK) {
    if (files.empty()) throw Error("array dump: no files given");
    std::vector<NpyArray> arrays;
    const bool safetensors = isSafetensorsFile(files.front());
    for (const std::string& f : files) {
        if (isSafetensorsFile(f) != safetensors)
            throw Error(f + ": mixed with " + files.front() + " (.npy and .safetensors)");
        if (!safetensors) {
            arrays.push_back(readNpy(f));
            continue;
        }
        for (NpyArray& a : readSafetensors(f)) arrays.push_back(std::move(a));
    }
    ImportedRouting r = routingOf(arrays, topK);
    r.files = files;
    if (safetensors) r.format.replace(r.format.find(".npy"), 4, ".safetensors");
    return r;
}

}  // namespace moe
