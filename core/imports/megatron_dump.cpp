// See megatron_dump.h. The router trace, the large one, is read with simdjson line by line
// (json_lines.h); tokens per expert, small, with nlohmann::json. Every field is checked for
// its type, and errors carry "file:line:".
#include "core/imports/megatron_dump.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "core/common/error.h"
#include "core/imports/json_int_lists.h"
#include "core/imports/json_lines.h"

namespace moe {

namespace {

using Json = nlohmann::json;

struct Line {
    std::string file;
    int64_t number = 0;
    Json value;
};

// Calls `each` for every non-empty line of `path`, parsed.
template <typename F>
void forEachRecord(const std::string& path, F each) {
    std::ifstream in(path);
    if (!in) throw Error(path + ": cannot be read");
    std::string text;
    Line line{path, 0, {}};
    while (std::getline(in, text)) {
        ++line.number;
        if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
        line.value = Json::parse(text, nullptr, false);
        if (line.value.is_discarded() || !line.value.is_object())
            throw Error::inFile(path, line.number, "not a JSON object");
        each(line);
    }
}

int64_t integer(const Line& l, const char* key) {
    const auto it = l.value.find(key);
    if (it == l.value.end() || !it->is_number_integer())
        throw Error::inFile(l.file, l.number,
                            std::string("'") + key + "' is missing or not an integer");
    return it->get<int64_t>();
}

const Json& array(const Line& l, const char* key) {
    const auto it = l.value.find(key);
    if (it == l.value.end() || !it->is_array())
        throw Error::inFile(l.file, l.number,
                            std::string("'") + key + "' is missing or not a list");
    return *it;
}

bool isDecoder(const Line& l) {
    const auto it = l.value.find("block");
    return it == l.value.end() || (it->is_string() && it->get<std::string>() == "decoder");
}

// The layer numbers a (step, layer)-keyed table holds, ascending.
template <typename Table>
std::vector<int> layersOf(const Table& table) {
    std::vector<int> layers;
    for (const auto& entry : table) layers.push_back(static_cast<int>(entry.first.second));
    std::sort(layers.begin(), layers.end());
    layers.erase(std::unique(layers.begin(), layers.end()), layers.end());
    return layers;
}

// (step, layer) -> the tokens' expert ids, topK per token, ranks in file order.
using TraceTable = std::map<std::pair<int64_t, int64_t>, std::vector<int32_t>>;

struct TraceRecord {
    int64_t step = -1, layer = -1;
    bool decoder = true;
    std::vector<int32_t> ids;
    int tokens = 0, width = 0;  // rows of top_indices and ids per row
};

// One line's top_indices, [[ids] per token], appended to `r` (every row the same width).
void readTopIndices(simdjson::ondemand::value v, const JsonLine& line, TraceRecord& r) {
    simdjson::ondemand::array rows;
    std::string_view text;
    if (v.get_array().get(rows) || rows.raw_json().get(text))
        line.fail("'top_indices' is not a list");
    IntLists lists;
    lists.values = std::move(r.ids);
    const std::string problem = readIntLists(text, 2, 0, 1 << 20, lists);
    r.ids = std::move(lists.values);
    if (!problem.empty())
        line.fail("'top_indices': " + problem + " (expected lists of expert ids)");
    r.tokens = static_cast<int>(lists.counts[0]);
    r.width = static_cast<int>(lists.counts[1]);
    if (r.tokens > 0 && r.width == 0) line.fail("a token's top_indices is empty");
}

// `ids` is the last record's buffer, handed on so its memory is reused.
TraceRecord readTraceRecord(simdjson::ondemand::object& object, const JsonLine& line,
                            std::vector<int32_t> ids) {
    TraceRecord r;
    ids.clear();
    r.ids = std::move(ids);
    bool indices = false;
    for (auto field : object) {
        const std::string_view key = field.unescaped_key();
        if (key == "step") {
            r.step = jsonInteger(field.value(), line, "step");
        } else if (key == "layer") {
            r.layer = jsonInteger(field.value(), line, "layer");
        } else if (key == "block") {
            std::string_view block;
            r.decoder = !field.value().get_string().get(block) && block == "decoder";
        } else if (key == "top_indices") {
            readTopIndices(field.value(), line, r);
            indices = true;
        }
    }
    if (r.step < 0 || r.layer < 0 || !indices)
        line.fail("'step', 'layer' or 'top_indices' is missing or negative");
    return r;
}

// `from` appended to `into`; taken whole when `into` is empty (the usual case, one record per
// (step, layer)): no copy.
void appendIds(std::vector<int32_t>& into, std::vector<int32_t>& from) {
    if (into.empty())
        into.swap(from);
    else
        into.insert(into.end(), from.begin(), from.end());
}

std::string widthsDiffer(int width, int topK) {
    return "tokens route " + std::to_string(width) + " and " + std::to_string(topK) + " experts";
}

// What one piece of a trace file read (json_lines.h: pieces run on their own threads).
struct TracePiece {
    TraceTable table;
    int topK = 0;          // the width of its first routed record ...
    int64_t topKLine = 0;  // ... and that record's line
    int maxExpert = -1, skipped = 0;
    std::vector<int32_t> scratch;  // the last record's buffer, reused
};

void readTraceLine(simdjson::ondemand::object& object, const JsonLine& line, TracePiece& piece) {
    TraceRecord rec = readTraceRecord(object, line, std::move(piece.scratch));
    const auto keep = [&] { piece.scratch = std::move(rec.ids); };
    if (!rec.decoder || rec.tokens == 0) {
        piece.skipped += !rec.decoder;
        return keep();
    }
    if (piece.topK == 0) {
        piece.topK = rec.width;
        piece.topKLine = line.number;
    }
    if (rec.width != piece.topK) line.fail(widthsDiffer(rec.width, piece.topK));
    for (int32_t e : rec.ids) piece.maxExpert = std::max(piece.maxExpert, e);
    appendIds(piece.table[{rec.step, rec.layer}], rec.ids);
    keep();
}

// A piece's records appended to the file's (in file order), its top-k checked against theirs.
void mergePiece(const std::string& path, TracePiece& piece, TraceTable& table, int& topK,
                int& maxExpert, int& skipped) {
    if (piece.topK != 0 && topK != 0 && piece.topK != topK)
        throw Error::inFile(path, piece.topKLine, widthsDiffer(piece.topK, topK));
    if (topK == 0) topK = piece.topK;
    maxExpert = std::max(maxExpert, piece.maxExpert);
    skipped += piece.skipped;
    for (auto& [key, ids] : piece.table) appendIds(table[key], ids);
    piece = {};
}

int readTraceFile(const std::string& path, TraceTable& table, int& topK, int& maxExpert) {
    int skipped = 0;
    std::vector<TracePiece> pieces;
    forEachJsonLineInPieces(
        path, [&](int n) { pieces.resize(static_cast<size_t>(n)); },
        [&](int i, simdjson::ondemand::object& object, const JsonLine& line) {
            readTraceLine(object, line, pieces[static_cast<size_t>(i)]);
        },
        [&](int i) {
            mergePiece(path, pieces[static_cast<size_t>(i)], table, topK, maxExpert, skipped);
        });
    return skipped;
}

ImportedRouting readRouterTrace(const std::vector<std::string>& files) {
    ImportedRouting r;
    r.format = "megatron router trace";
    r.files = files;
    TraceTable table;
    int maxExpert = -1, skipped = 0;
    for (const std::string& f : files) skipped += readTraceFile(f, table, r.topK, maxExpert);
    if (table.empty()) throw Error(files.front() + ": no decoder routing records");
    r.experts = maxExpert + 1;
    r.layers = layersOf(table);
    size_t total = 0;
    for (const auto& entry : table) total += entry.second.size();
    r.ids.reserve(total);
    int64_t step = -1, sequence = 0;
    for (auto it = table.begin(); it != table.end();
         it = table.upper_bound({it->first.first, INT64_MAX})) {
        const int64_t s = it->first.first;
        ++step;
        const size_t k = static_cast<size_t>(r.topK), T = it->second.size() / k;
        std::vector<const int32_t*> layerIds;
        for (int layer : r.layers) {
            const auto found = table.find({s, layer});
            const size_t n = found == table.end() ? 0 : found->second.size() / k;
            if (n != T)
                throw Error(files.front() + ": step " + std::to_string(s) + " has " +
                            std::to_string(T) + " tokens in one layer and " + std::to_string(n) +
                            " in layer " + std::to_string(layer));
            layerIds.push_back(found->second.data());
        }
        for (size_t t = 0; t < T; ++t) {
            r.tokens.push_back({step, static_cast<int32_t>(sequence++), 0, -1});
            for (const int32_t* ids : layerIds)
                r.ids.insert(r.ids.end(), ids + t * k, ids + (t + 1) * k);
        }
    }
    r.notes.push_back("experts counted as the largest id + 1 (" + std::to_string(r.experts) +
                      "); the trace records no token ids or sequences, so each token stands alone");
    if (skipped)
        r.notes.push_back(std::to_string(skipped) + " multi-token-prediction records left out");
    return r;
}

// Every iteration becomes a row of all layers' counts, zeros where a layer is missing. A few
// lines with distinct iterations and distinct layers would make that table quadratic in the
// input, so the zeros filled in may not outnumber the counts given by more than 64 to 1.
template <typename Table>
void checkDenseSize(const std::string& file, const Table& table, size_t layers) {
    std::vector<int64_t> iters;
    for (const auto& entry : table)
        if (iters.empty() || iters.back() != entry.first.first) iters.push_back(entry.first.first);
    const uint64_t dense = iters.size() * layers, given = table.size();
    if (dense > (uint64_t{1} << 12) && dense > 64 * given)
        throw Error(file + ": " + std::to_string(iters.size()) + " iterations x " +
                    std::to_string(layers) + " layers, but only " + std::to_string(given) +
                    " (iteration, layer) records: too sparse to be a tokens-per-expert dump");
}

ImportedRouting readTokensPerExpert(const std::vector<std::string>& files) {
    ImportedRouting r;
    r.format = "megatron tokens per expert";
    r.files = files;
    std::map<std::pair<int64_t, int64_t>, std::vector<int64_t>> table;  // (iter, layer) -> counts
    int local = 0;
    for (size_t rank = 0; rank < files.size(); ++rank)
        forEachRecord(files[rank], [&](const Line& l) {
            if (!isDecoder(l)) return;
            for (const Json& mb : array(l, "tpe")) {
                if (!mb.is_array())
                    throw Error::inFile(l.file, l.number, "'tpe' is not a list of lists");
                if (local == 0) local = static_cast<int>(mb.size());
                if (static_cast<int>(mb.size()) != local || local == 0)
                    throw Error::inFile(l.file, l.number,
                                        "ranks hold different numbers of experts");
                auto& counts = table[{integer(l, "iter"), integer(l, "layer")}];
                counts.resize(files.size() * local, 0);
                for (int i = 0; i < local; ++i) {
                    if (!mb[i].is_number_integer() || mb[i].get<int64_t>() < 0)
                        throw Error::inFile(l.file, l.number, "a count is not an integer >= 0");
                    if (__builtin_add_overflow(counts[rank * local + i], mb[i].get<int64_t>(),
                                               &counts[rank * local + i]))
                        throw Error::inFile(l.file, l.number, "the counts overflow 64 bits");
                }
            }
        });
    if (table.empty()) throw Error(files.front() + ": no decoder counts");
    r.experts = static_cast<int>(files.size()) * local;
    r.layers = layersOf(table);
    checkDenseSize(files.front(), table, r.layers.size());
    for (auto it = table.begin(); it != table.end();
         it = table.upper_bound({it->first.first, INT64_MAX})) {
        std::vector<int64_t> loads;
        for (int layer : r.layers) {
            const auto found = table.find({it->first.first, layer});
            const std::vector<int64_t> zero(r.experts, 0);
            const auto& c = found == table.end() ? zero : found->second;
            loads.insert(loads.end(), c.begin(), c.end());
        }
        r.stepLoads.push_back(std::move(loads));
    }
    r.notes.push_back("rank r holds experts r x " + std::to_string(local) +
                      " .. as expert "
                      "parallelism lays them out; micro-batches summed per iteration");
    return r;
}

}  // namespace

MegatronRecord megatronRecordKind(const std::string& path) {
    std::ifstream in(path);
    std::string text;
    while (std::getline(in, text))
        if (text.find_first_not_of(" \t\r") != std::string::npos) break;
    const Json j = Json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return MegatronRecord::None;
    if (j.contains("top_indices")) return MegatronRecord::RouterTrace;
    if (j.contains("tpe")) return MegatronRecord::TokensPerExpert;
    return MegatronRecord::None;
}

ImportedRouting readMegatronDump(const std::vector<std::string>& files) {
    if (files.empty()) throw Error("Megatron dump: no files given");
    const MegatronRecord kind = megatronRecordKind(files.front());
    for (const std::string& f : files)
        if (megatronRecordKind(f) != kind || kind == MegatronRecord::None)
            throw Error(f + ": not a Megatron router trace or tokens-per-expert file like " +
                        files.front());
    return kind == MegatronRecord::RouterTrace ? readRouterTrace(files)
                                               : readTokensPerExpert(files);
}

}  // namespace moe
