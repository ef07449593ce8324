// See sglang_dump.h. Per-pass counts of all ranks are summed by forward_pass_id (each rank
// records its own tokens of the same pass); physical slots fold onto logical experts through
// the dump's last map, which the note names as such since a rebalance during the recording
// would have changed it.
#include "core/imports/sglang_dump.h"

#include <algorithm>
#include <map>
#include <memory>

#include "core/common/error.h"

namespace moe {

namespace {

using Kind = PickleValue::Kind;

const PickleValue& field(const TorchFile& f, const PickleValue& dict, const std::string& key,
                         Kind kind) {
    const PickleValue* v = dict.kind == Kind::Dict ? dict.find(key) : nullptr;
    if (!v) throw Error(f.path() + ": no '" + key + "' where SGLang's recorder writes one");
    if (v->kind != kind)
        throw Error(f.path() + ": '" + key + "' is a " + PickleValue::kindName(v->kind) +
                    ", expected a " + PickleValue::kindName(kind));
    return *v;
}

// A tensor's integers, with its rank checked.
std::vector<int64_t> integers(const TorchFile& f, const PickleValue& dict, const std::string& key,
                              size_t rank, std::vector<int64_t>& shape) {
    const PickledTensor& t = *field(f, dict, key, Kind::Tensor).tensor;
    if (t.shape.size() != rank)
        throw Error(f.path() + ": '" + key + "' has " + std::to_string(t.shape.size()) +
                    " dimensions, expected " + std::to_string(rank));
    shape = t.shape;
    return f.integers(t, key);
}

std::vector<int64_t> intList(const TorchFile& f, const PickleValue& v, const std::string& key) {
    std::vector<int64_t> out;
    for (const PickleRef& item : v.items) {
        if (item->kind != Kind::Int)
            throw Error(f.path() + ": '" + key + "' holds a " + PickleValue::kindName(item->kind));
        out.push_back(item->integer);
    }
    return out;
}

// Keeps the layers with any count; layer numbers as in the dump.
void dropDenseLayers(ImportedRouting& r, int dumpLayers) {
    const size_t E = static_cast<size_t>(r.experts);
    std::vector<bool> used(static_cast<size_t>(dumpLayers), false);
    for (const auto& loads : r.stepLoads)
        for (size_t i = 0; i < loads.size(); ++i) used[i / E] = used[i / E] || loads[i] != 0;
    for (int l = 0; l < dumpLayers; ++l)
        if (used[l]) r.layers.push_back(l);
    if (r.layers.empty()) throw Error(r.files.front() + ": every layer's counts are zero");
    for (auto& loads : r.stepLoads) {
        std::vector<int64_t> kept;
        for (int l : r.layers)
            kept.insert(kept.end(), loads.begin() + l * E, loads.begin() + (l + 1) * E);
        loads = std::move(kept);
    }
    const int dense = dumpLayers - static_cast<int>(r.layers.size());
    if (dense > 0)
        r.notes.push_back(std::to_string(dense) + " of " + std::to_string(dumpLayers) +
                          " layers have no counts (dense layers) and are left out; the others "
                          "keep their numbers");
}

ImportedRouting readStat(const TorchFile& f) {
    ImportedRouting r;
    r.format = "sglang stat";
    r.files = {f.path()};
    std::vector<int64_t> shape;
    const std::vector<int64_t> counts = integers(f, f.root(), "logical_count", 3, shape);
    r.experts = static_cast<int>(shape[2]);
    const size_t per = static_cast<size_t>(shape[1] * shape[2]);
    for (int64_t p = 0; p < shape[0]; ++p) {
        std::vector<int64_t> loads(counts.begin() + p * per, counts.begin() + (p + 1) * per);
        const bool empty =
            std::all_of(loads.begin(), loads.end(), [](int64_t c) { return c == 0; });
        if (empty) continue;  // an unfilled slot of the recorder's ring buffer
        if (std::any_of(loads.begin(), loads.end(), [](int64_t c) { return c < 0; }))
            throw Error(f.path() + ": logical_count has a negative count in pass " +
                        std::to_string(p));
        r.stepLoads.push_back(std::move(loads));
    }
    if (r.stepLoads.size() < static_cast<size_t>(shape[0]))
        r.notes.push_back(std::to_string(shape[0] - r.stepLoads.size()) +
                          " all-zero passes (unfilled ring-buffer rows) left out");
    dropDenseLayers(r, static_cast<int>(shape[1]));
    return r;
}

// The physical-to-logical map [layers, physical] every per-rank file carries.
std::vector<int64_t> physicalMap(const TorchFile& f, std::vector<int64_t>& shape) {
    std::vector<int64_t> map = integers(f, f.root(), "last_physical_to_logical_map", 2, shape);
    // logicalExperts() takes the largest entry: an empty map has none.
    if (map.empty())
        throw Error(f.path() + ": last_physical_to_logical_map is empty (" +
                    std::to_string(shape[0]) + " layers x " + std::to_string(shape[1]) + " slots)");
    for (int64_t e : map)
        if (e < 0 || e >= shape[1])
            throw Error(f.path() + ": last_physical_to_logical_map names expert " +
                        std::to_string(e) + " of " + std::to_string(shape[1]) + " slots");
    return map;
}

int logicalExperts(const std::vector<int64_t>& map) {
    return static_cast<int>(*std::max_element(map.begin(), map.end()) + 1);
}

}  // namespace

bool isSglangDump(const TorchFile& file) {
    const PickleValue& root = file.root();
    return root.kind == Kind::Dict && (root.find("logical_count") || root.find("records"));
}

namespace {

struct PerRankFiles {
    std::vector<std::unique_ptr<TorchFile>> files;
    std::vector<int64_t> map, mapShape;
};

ImportedRouting readPerPass(const PerRankFiles& in) {
    ImportedRouting r;
    r.format = "sglang per_pass";
    r.experts = logicalExperts(in.map);
    const int64_t L = in.mapShape[0], S = in.mapShape[1];
    std::map<int64_t, std::vector<int64_t>> passes;  // forward_pass_id -> logical loads
    for (const auto& f : in.files) {
        r.files.push_back(f->path());
        for (const PickleRef& rec : field(*f, f->root(), "records", Kind::List).items) {
            const int64_t id = field(*f, *rec, "forward_pass_id", Kind::Int).integer;
            std::vector<int64_t> shape;
            const auto phys = integers(*f, *rec, "global_physical_count", 2, shape);
            if (shape != in.mapShape)
                throw Error(f->path() + ": global_physical_count of pass " + std::to_string(id) +
                            " is not [layers, physical slots] of the map");
            auto& loads = passes[id];
            loads.resize(static_cast<size_t>(L) * r.experts, 0);
            for (int64_t l = 0; l < L; ++l)
                for (int64_t s = 0; s < S; ++s)
                    if (__builtin_add_overflow(loads[l * r.experts + in.map[l * S + s]],
                                               phys[l * S + s],
                                               &loads[l * r.experts + in.map[l * S + s]]))
                        throw Error(f->path() + ": global_physical_count of pass " +
                                    std::to_string(id) + " overflows 64 bits");
        }
    }
    for (auto& [id, loads] : passes) r.stepLoads.push_back(std::move(loads));
    r.notes.push_back("physical slots folded onto logical experts by the dump's last map");
    dropDenseLayers(r, static_cast<int>(L));
    return r;
}

// One per_token record, read: per layer, each token's experts (logical, the empty slots
// dropped): layer l's ids start at layerStart[l], layerK[l] per token (-1: no tokens).
struct TokenPass {
    int64_t id = 0;
    int64_t tokens = 0;
    std::vector<int32_t> ids;
    std::vector<size_t> layerStart;
    std::vector<int> layerK;
    std::vector<int64_t> inputIds, positions, sequenceLengths;
};

// Physical slot ids of one layer folded onto logical experts in place; -1 (an empty slot)
// stays. Returns false at the first id outside -1..slots-1.
bool foldLayer(int32_t* ids, size_t n, const int64_t* map, int64_t slots) {
    bool inside = true;
    for (size_t i = 0; i < n; ++i) inside &= ids[i] >= -1 && ids[i] < slots;
    if (!inside) return false;
    for (size_t i = 0; i < n; ++i)
        if (ids[i] >= 0) ids[i] = static_cast<int32_t>(map[ids[i]]);
    return true;
}

// Layer l of one pass's [layers, tokens, slots] ids (folded) appended to p.ids without the
// empty slots; every token must route the same number of experts.
void keepRoutedSlots(const TorchFile& f, const int32_t* ids, int64_t slots, int64_t l,
                     TokenPass& p) {
    p.layerStart.push_back(p.ids.size());
    int k = -1;
    for (int64_t t = 0; t < p.tokens; ++t) {
        const int32_t* row = ids + t * slots;
        int n = 0;
        for (int64_t j = 0; j < slots; ++j)
            if (row[j] >= 0) {
                p.ids.push_back(row[j]);
                ++n;
            }
        if (k < 0) k = n;
        if (n != k)
            throw Error(f.path() + ": layer " + std::to_string(l) + " routes " + std::to_string(n) +
                        " and " + std::to_string(k) + " experts per token in one dump");
    }
    p.layerK.push_back(k);
}

// The pass's input_ids, positions and extend_seq_lens, checked against its token count.
void readTokenInputs(const TorchFile& f, const PickleValue& rec, TokenPass& p) {
    p.inputIds = intList(f, field(f, rec, "input_ids", Kind::List), "input_ids");
    p.positions = intList(f, field(f, rec, "positions", Kind::List), "positions");
    if (const PickleValue* lens = rec.find("extend_seq_lens"); lens && lens->kind == Kind::List)
        p.sequenceLengths = intList(f, *lens, "extend_seq_lens");
    // Each length is the file's number: a negative one (or a sum that wraps) could still
    // sum to the token count and then walk past the tokens.
    int64_t sum = 0;
    for (int64_t n : p.sequenceLengths)
        if (n < 0 || __builtin_add_overflow(sum, n, &sum))
            throw Error(f.path() + ": pass " + std::to_string(p.id) +
                        " has extend_seq_lens that are not counts of tokens");
    if (static_cast<int64_t>(p.inputIds.size()) != p.tokens ||
        static_cast<int64_t>(p.positions.size()) != p.tokens ||
        (!p.sequenceLengths.empty() && sum != p.tokens))
        throw Error(f.path() + ": pass " + std::to_string(p.id) + " has " +
                    std::to_string(p.tokens) + " tokens of routing but " +
                    std::to_string(p.inputIds.size()) + " input_ids, " +
                    std::to_string(p.positions.size()) +
                    " positions and extend_seq_lens summing "
                    "to " +
                    std::to_string(sum));
}

TokenPass readTokenPass(const TorchFile& f, const PickleValue& rec, const PerRankFiles& in,
                        std::vector<int32_t>& slotIds) {
    TokenPass p;
    p.id = field(f, rec, "forward_pass_id", Kind::Int).integer;
    const PickledTensor& t = *field(f, rec, "topk_ids_of_layer", Kind::Tensor).tensor;
    if (t.shape.size() != 3)
        throw Error(f.path() + ": 'topk_ids_of_layer' has " + std::to_string(t.shape.size()) +
                    " dimensions, expected 3");
    const std::vector<int64_t> shape = t.shape;
    f.int32sInto(t, "topk_ids_of_layer", slotIds);
    if (shape[0] != in.mapShape[0])
        throw Error(f.path() + ": topk_ids_of_layer of pass " + std::to_string(p.id) + " has " +
                    std::to_string(shape[0]) + " layers, the map " +
                    std::to_string(in.mapShape[0]));
    p.tokens = shape[1];
    const int64_t S = in.mapShape[1];
    const size_t perLayer = static_cast<size_t>(p.tokens * shape[2]);
    for (int64_t l = 0; l < shape[0]; ++l)
        if (!foldLayer(slotIds.data() + l * perLayer, perLayer, in.map.data() + l * S, S))
            throw Error(f.path() + ": topk_ids_of_layer of pass " + std::to_string(p.id) +
                        " names a physical expert outside -1.." + std::to_string(S - 1) +
                        " in layer " + std::to_string(l));
    // Checked before any loop over the tokens: a shape of [L, 2^60, 0] holds no ids at all,
    // and only the input_ids show that it claims more tokens than it has.
    readTokenInputs(f, rec, p);
    p.ids.reserve(slotIds.size());  // at most every slot: grown once, never copied
    for (int64_t l = 0; l < shape[0]; ++l)
        keepRoutedSlots(f, slotIds.data() + l * perLayer, shape[2], l, p);
    return p;
}

// Layers with any id, and the top-k every token of them shows.
void tokenLayers(const std::vector<TokenPass>& passes, int64_t L, ImportedRouting& r) {
    for (int64_t l = 0; l < L; ++l) {
        int k = -1;
        for (const TokenPass& p : passes) {
            const int n = p.layerK[static_cast<size_t>(l)];
            if (n < 0) continue;  // a pass without tokens
            if (k < 0) k = n;
            if (n != k)
                throw Error(r.files.front() + ": layer " + std::to_string(l) + " routes " +
                            std::to_string(n) + " and " + std::to_string(k) +
                            " experts per token in one dump");
        }
        if (k <= 0) continue;  // a dense layer
        if (r.topK > 0 && k != r.topK)
            throw Error(r.files.front() + ": layers route " + std::to_string(r.topK) + " and " +
                        std::to_string(k) + " experts per token");
        r.topK = k;
        r.layers.push_back(static_cast<int>(l));
    }
    if (r.layers.empty()) throw Error(r.files.front() + ": no layer routes any token");
    if (r.layers.size() < static_cast<size_t>(L))
        r.notes.push_back(std::to_string(L - static_cast<int64_t>(r.layers.size())) + " of " +
                          std::to_string(L) + " layers route no token (dense) and are left out");
}

ImportedRouting readPerToken(const PerRankFiles& in) {
    ImportedRouting r;
    r.format = "sglang per_token";
    r.experts = logicalExperts(in.map);
    std::vector<TokenPass> passes;
    std::vector<int32_t> slotIds;  // one pass's [layers, tokens, slots], reused
    for (const auto& f : in.files) {
        r.files.push_back(f->path());
        for (const PickleRef& rec : field(*f, f->root(), "records", Kind::List).items)
            passes.push_back(readTokenPass(*f, *rec, in, slotIds));
    }
    std::stable_sort(passes.begin(), passes.end(),
                     [](const TokenPass& a, const TokenPass& b) { return a.id < b.id; });
    tokenLayers(passes, in.mapShape[0], r);
    size_t total = 0;
    for (const TokenPass& p : passes) total += static_cast<size_t>(p.tokens);
    r.tokens.reserve(total);
    const size_t k = static_cast<size_t>(r.topK);
    r.ids.resize(total * r.layers.size() * k);
    int32_t* out = r.ids.data();
    int32_t sequence = 0;
    int64_t step = -1, lastId = -1;
    for (const TokenPass& p : passes) {
        if (p.id != lastId) ++step;
        lastId = p.id;
        // Without extend_seq_lens (decode) every token is its own sequence's next token.
        std::vector<int64_t> lens = p.sequenceLengths;
        if (lens.empty()) lens.assign(static_cast<size_t>(p.tokens), 1);
        int64_t t = 0;
        for (int64_t len : lens) {
            for (int64_t i = 0; i < len; ++i, ++t) {
                r.tokens.push_back({step, sequence, static_cast<int32_t>(p.positions[t]),
                                    static_cast<int32_t>(p.inputIds[t])});
                for (int l : r.layers) {
                    const int32_t* ids = &p.ids[p.layerStart[l] + static_cast<size_t>(t) * k];
                    out = std::copy(ids, ids + k, out);
                }
            }
            ++sequence;
        }
    }
    r.notes.push_back(
        "expert ids are physical slots folded onto logical experts by the dump's "
        "last map; sequences are split by extend_seq_lens (decode tokens: one "
        "sequence each, as request ids are not recorded)");
    return r;
}

}  // namespace

ImportedRouting readSglangDump(const std::vector<std::string>& paths) {
    if (paths.empty()) throw Error("SGLang dump: no files given");
    PerRankFiles in;
    for (const std::string& path : paths) {
        in.files.push_back(std::make_unique<TorchFile>(path));
        if (!isSglangDump(*in.files.back()))
            throw Error(path +
                        ": not an SGLang expert-distribution dump (a dict with "
                        "logical_count or records)");
    }
    const TorchFile& first = *in.files.front();
    if (first.root().find("logical_count")) {
        if (paths.size() != 1) throw Error(paths[1] + ": a stat dump is one file; give it alone");
        return readStat(first);
    }
    for (const auto& f : in.files) {
        std::vector<int64_t> shape;
        std::vector<int64_t> map = physicalMap(*f, shape);
        if (in.map.empty()) {
            in.map = std::move(map);
            in.mapShape = shape;
        } else if (map != in.map) {
            throw Error(f->path() + ": its physical-to-logical map differs from " + first.path() +
                        "'s: files of different recordings");
        }
    }
    const PickleValue& records = field(first, first.root(), "records", Kind::List);
    const bool perToken = !records.items.empty() && records.items[0]->find("topk_ids_of_layer");
    return perToken ? readPerToken(in) : readPerPass(in);
}

}  // namespace moe
