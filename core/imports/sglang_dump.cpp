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

// One per_token record: its forward pass, tokens and inputs, read first (they are small); its
// [layers, tokens, slots] ids are read later, in pass order, straight into the result.
struct TokenPass {
    const TorchFile* file = nullptr;
    const PickledTensor* slots = nullptr;  // topk_ids_of_layer
    int64_t id = 0;
    int64_t tokens = 0;
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

// Everything of a record but its ids. The token count is checked against the inputs here,
// before any loop over tokens: a shape of [L, 2^60, 0] holds no ids at all, and only the
// input_ids show that it claims more tokens than it has.
TokenPass readTokenPass(const TorchFile& f, const PickleValue& rec, const PerRankFiles& in) {
    TokenPass p;
    p.file = &f;
    p.id = field(f, rec, "forward_pass_id", Kind::Int).integer;
    p.slots = field(f, rec, "topk_ids_of_layer", Kind::Tensor).tensor.get();
    const std::vector<int64_t>& shape = p.slots->shape;
    if (shape.size() != 3)
        throw Error(f.path() + ": 'topk_ids_of_layer' has " + std::to_string(shape.size()) +
                    " dimensions, expected 3");
    if (shape[0] != in.mapShape[0])
        throw Error(f.path() + ": topk_ids_of_layer of pass " + std::to_string(p.id) + " has " +
                    std::to_string(shape[0]) + " layers, the map " +
                    std::to_string(in.mapShape[0]));
    p.tokens = shape[1];
    readTokenInputs(f, rec, p);
    return p;
}

// Routed (non-empty) slots of one row; -1 marks an empty slot.
int routedIn(const int32_t* row, int64_t slots) {
    int n = 0;
    for (int64_t j = 0; j < slots; ++j) n += row[j] >= 0;
    return n;
}

// The dump's layers that route, and their top-k, from the first pass with tokens: every pass
// must then route as many experts per token in each layer (0 in a dense layer).
struct DumpLayerTopK {
    std::vector<int> perLayerK;  // -1 until a pass with tokens was seen
    void decide(const std::string& path, const int32_t* ids, int64_t tokens, int64_t slots,
                ImportedRouting& r) {
        const int64_t L = static_cast<int64_t>(perLayerK.size());
        for (int64_t l = 0; l < L; ++l) {
            const int k = routedIn(ids + l * tokens * slots, slots);
            perLayerK[l] = k;
            if (k == 0) continue;  // a dense layer
            if (r.topK > 0 && k != r.topK)
                throw Error(path + ": layers route " + std::to_string(r.topK) + " and " +
                            std::to_string(k) + " experts per token");
            r.topK = k;
            r.layers.push_back(static_cast<int>(l));
        }
        if (r.layers.empty()) throw Error(path + ": no layer routes any token");
        if (r.layers.size() < static_cast<size_t>(L))
            r.notes.push_back(std::to_string(L - static_cast<int64_t>(r.layers.size())) + " of " +
                              std::to_string(L) +
                              " layers route no token (dense) and are left out");
    }
    bool decided() const { return !perLayerK.empty() && perLayerK[0] >= 0; }
};

// Token t of a pass: its routed ids of every kept layer appended to r.ids, every layer's
// count checked.
void appendToken(const std::string& path, const int32_t* ids, int64_t tokens, int64_t slots,
                 int64_t t, const DumpLayerTopK& lr, ImportedRouting& r) {
    const int64_t L = static_cast<int64_t>(lr.perLayerK.size());
    for (int64_t l = 0; l < L; ++l) {
        const int32_t* row = ids + (l * tokens + t) * slots;
        const int k = lr.perLayerK[l];
        const int n = routedIn(row, slots);
        if (n != k)
            throw Error(path + ": layer " + std::to_string(l) + " routes " + std::to_string(n) +
                        " and " + std::to_string(k) + " experts per token in one dump");
        if (k == 0) continue;
        for (int64_t j = 0; j < slots; ++j)
            if (row[j] >= 0) r.ids.push_back(row[j]);
    }
}

// Appends the passes, in pass order, to one result, carrying from pass to pass the step and
// sequence numbers, the routed layers once decided, and one reused buffer of slot ids.
class PerTokenWriter {
public:
    PerTokenWriter(const PerRankFiles& in, size_t totalTokens, ImportedRouting& r)
        : in_(in), total_(totalTokens), r_(r) {
        lr_.perLayerK.assign(static_cast<size_t>(in.mapShape[0]), -1);
        r.tokens.reserve(totalTokens);
    }
    void append(const TokenPass& p);
    void finish() const {
        if (!lr_.decided()) throw Error(r_.files.front() + ": no layer routes any token");
    }

private:
    void readSlots(const TokenPass& p);
    const PerRankFiles& in_;
    size_t total_;
    ImportedRouting& r_;
    DumpLayerTopK lr_;
    std::vector<int32_t> slotIds_;  // one pass's [layers, tokens, slots], folded
    int32_t sequence_ = 0;          // the next sequence's number
    int64_t step_ = -1, lastId_ = -1;
};

// One pass's slot ids read and folded onto logical experts.
void PerTokenWriter::readSlots(const TokenPass& p) {
    const TorchFile& f = *p.file;
    f.int32sInto(*p.slots, "topk_ids_of_layer", slotIds_);
    const int64_t L = in_.mapShape[0], S = in_.mapShape[1];
    const size_t perLayer = static_cast<size_t>(p.tokens * p.slots->shape[2]);
    for (int64_t l = 0; l < L; ++l)
        if (!foldLayer(slotIds_.data() + l * perLayer, perLayer, in_.map.data() + l * S, S))
            throw Error(f.path() + ": topk_ids_of_layer of pass " + std::to_string(p.id) +
                        " names a physical expert outside -1.." + std::to_string(S - 1) +
                        " in layer " + std::to_string(l));
}

void PerTokenWriter::append(const TokenPass& p) {
    if (p.id != lastId_) ++step_;
    lastId_ = p.id;
    readSlots(p);
    if (p.tokens == 0) return;
    const std::string& path = p.file->path();
    const int64_t slots = p.slots->shape[2];
    if (!lr_.decided()) {
        lr_.decide(path, slotIds_.data(), p.tokens, slots, r_);
        // Grown once, to the size it ends at: no copy, and no zeroing of what is written anyway.
        r_.ids.reserve(total_ * r_.layers.size() * static_cast<size_t>(r_.topK));
    }
    // Without extend_seq_lens (decode) every token is its own sequence's next token.
    const std::vector<int64_t> ones(p.sequenceLengths.empty() ? p.tokens : 0, 1);
    const std::vector<int64_t>& lens = p.sequenceLengths.empty() ? ones : p.sequenceLengths;
    int64_t t = 0;
    for (int64_t len : lens) {
        for (int64_t i = 0; i < len; ++i, ++t) {
            r_.tokens.push_back({step_, sequence_, static_cast<int32_t>(p.positions[t]),
                                 static_cast<int32_t>(p.inputIds[t])});
            appendToken(path, slotIds_.data(), p.tokens, slots, t, lr_, r_);
        }
        ++sequence_;
    }
}

ImportedRouting readPerToken(const PerRankFiles& in) {
    ImportedRouting r;
    r.format = "sglang per_token";
    r.experts = logicalExperts(in.map);
    std::vector<TokenPass> passes;
    for (const auto& f : in.files) {
        r.files.push_back(f->path());
        for (const PickleRef& rec : field(*f, f->root(), "records", Kind::List).items)
            passes.push_back(readTokenPass(*f, *rec, in));
    }
    std::stable_sort(passes.begin(), passes.end(),
                     [](const TokenPass& a, const TokenPass& b) { return a.id < b.id; });
    size_t total = 0;
    for (const TokenPass& p : passes) total += static_cast<size_t>(p.tokens);
    PerTokenWriter writer(in, total, r);
    for (const TokenPass& p : passes) writer.append(p);
    writer.finish();
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
