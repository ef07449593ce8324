// See response_dump.h. Lines are read with simdjson (json_lines.h); base64 with base64.h.
// Top-k, when not given, is inferred as the largest group size up to 32 in which no expert
// repeats: a real top-k never names an expert twice for one token, while a group spanning two
// layers almost surely does somewhere in a recording.
#include "core/imports/response_dump.h"

#include <algorithm>
#include <bit>
#include <fstream>

#include "core/common/error.h"
#include "core/imports/base64.h"
#include "core/imports/binary_util.h"
#include "core/imports/json_int_lists.h"
#include "core/imports/json_lines.h"
#include "core/imports/request_lockstep.h"

namespace moe {

namespace {

using simdjson::ondemand::array;
using simdjson::ondemand::object;
using simdjson::ondemand::value;

struct Response {
    std::string source;  // file:line
    int64_t line = 0;
    std::vector<int32_t> ids, promptIds;
    int64_t tokens = 0, promptTokens = -1, completionTokens = -1;
    int width = 0;          // ids per token: layers x top-k
    int layers = 0, k = 0;  // known from nested lists only
    bool base64 = false;
};

// [tokens][layers][k] nested lists appended to `out`; the shape must not change.
int64_t readNested(value v, const JsonLine& line, std::vector<int32_t>& out, Response& r) {
    array rows;
    std::string_view text;
    if (v.get_array().get(rows) || rows.raw_json().get(text))
        line.fail("routed experts are not a list of tokens");
    IntLists lists;
    lists.values = std::move(out);
    lists.counts = {-1, r.layers > 0 ? r.layers : -1, r.k > 0 ? r.k : -1};
    const std::string problem = readIntLists(text, 3, -1, 1 << 21, lists);
    out = std::move(lists.values);
    if (!problem.empty())
        line.fail("routed experts: " + problem + " (expected [tokens][layers][top_k] expert ids)");
    if (lists.counts[0] > 0) {
        if (lists.counts[1] == 0) line.fail("tokens span different numbers of layers");
        if (lists.counts[2] == 0) line.fail("tokens route different numbers of experts");
        r.layers = static_cast<int>(lists.counts[1]);
        r.k = static_cast<int>(lists.counts[2]);
    }
    return lists.counts[0];
}

void readBase64(value v, const JsonLine& line, Response& r) {
    std::string_view text;
    if (v.get_string().get(text)) line.fail("meta_info.routed_experts is not a base64 string");
    // Decoded straight into the ids: little-endian int32 bytes are the ids.
    static_assert(std::endian::native == std::endian::little, "SGLang writes little-endian");
    r.ids.resize((text.size() / 4 * 3 + 3) / 4);
    const auto bytes = imports::decodeBase64To(text, reinterpret_cast<char*>(r.ids.data()));
    if (!bytes || *bytes % 4 != 0)
        line.fail("meta_info.routed_experts is not base64 of int32 values");
    r.ids.resize(*bytes / 4);
    r.base64 = true;
}

// The keys a response may carry at its top level, in meta_info, or in choices[0].
void readFields(object o, const JsonLine& line, Response& r, int depth) {
    for (auto field : o) {
        const std::string_view key = field.unescaped_key();
        if (key == "routed_experts") {
            value v = field.value();
            simdjson::ondemand::json_type type;
            if (v.type().get(type)) line.fail("routed_experts cannot be read");
            if (type == simdjson::ondemand::json_type::string)
                readBase64(v, line, r);
            else
                r.tokens += readNested(v, line, r.ids, r);
        } else if (key == "prompt_routed_experts") {
            // vLLM writes the prompt's first: read in place, nothing to move in front later.
            r.tokens += readNested(field.value(), line, r.ids.empty() ? r.ids : r.promptIds, r);
        } else if (key == "prompt_tokens" && depth == 1) {
            r.promptTokens = jsonInteger(field.value(), line, "prompt_tokens");
        } else if (key == "completion_tokens" && depth == 1) {
            r.completionTokens = jsonInteger(field.value(), line, "completion_tokens");
        } else if (key == "meta_info" && depth == 0) {
            readFields(field.value().get_object(), line, r, 1);
        } else if (key == "choices" && depth == 0) {
            for (value choice : field.value().get_array()) {
                readFields(choice.get_object(), line, r, 2);
                break;  // one sequence per request: the first choice
            }
        }
    }
}

Response readResponse(object& o, const JsonLine& line) {
    Response r;
    r.source = line.file + ":" + std::to_string(line.number);
    r.line = line.number;
    readFields(o, line, r, 0);
    if (r.ids.empty() && r.promptIds.empty())
        line.fail("no routed_experts (serve with --enable-return-routed-experts)");
    if (r.base64) {
        // SGLang returns the routing of all tokens but the last (which no forward pass read).
        if (r.promptTokens < 0 || r.completionTokens < 0)
            line.fail("meta_info has routed_experts but no prompt_tokens and completion_tokens");
        // Both are the file's numbers: their sum must not overflow on the way to a count.
        if (__builtin_add_overflow(r.promptTokens, r.completionTokens - 1, &r.tokens))
            line.fail("prompt_tokens + completion_tokens overflows 64 bits");
        if (r.tokens <= 0 || r.ids.size() % static_cast<size_t>(r.tokens) != 0)
            line.fail(std::to_string(r.ids.size()) + " expert ids do not split into " +
                      std::to_string(r.tokens) + " tokens");
        r.width = static_cast<int>(r.ids.size() / static_cast<size_t>(r.tokens));
    } else {
        r.ids.insert(r.ids.begin(), r.promptIds.begin(), r.promptIds.end());
        r.width = r.layers * r.k;
    }
    r.promptIds.clear();
    return r;
}

// True when no group of k ids (all-zero groups, a dense layer's, aside) names an expert twice.
bool groupsDistinct(const std::vector<Response>& responses, int k) {
    for (const Response& r : responses)
        for (size_t g = 0; g + k <= r.ids.size(); g += k) {
            const int32_t* ids = r.ids.data() + g;
            if (std::all_of(ids, ids + k, [](int32_t e) { return e == 0; })) continue;
            for (int i = 1; i < k; ++i)
                if (std::find(ids, ids + i, ids[i]) != ids + i) return false;
        }
    return true;
}

// Layers where some token names an expert other than 0 (SGLang's rows of dense layers stay 0).
// Token by token and layer by layer: a division for every id's layer cost a sixth of reading
// a vLLM dump. Every response holds whole tokens of layers x k ids (its width was checked).
std::vector<int> routedLayers(const std::vector<Response>& responses, int layers, int k) {
    std::vector<char> routed(static_cast<size_t>(layers), 0);
    const size_t width = static_cast<size_t>(layers) * static_cast<size_t>(k);
    for (const Response& r : responses) {
        const int32_t* ids = r.ids.data();
        for (size_t t = r.ids.size() / width; t > 0; --t)
            for (int l = 0; l < layers; ++l, ids += k) {
                int32_t any = 0;
                for (int j = 0; j < k; ++j) any |= ids[j];
                routed[static_cast<size_t>(l)] |= any != 0;
            }
    }
    std::vector<int> kept;
    for (int l = 0; l < layers; ++l)
        if (routed[l]) kept.push_back(l);
    return kept;
}

ImportedRouting responsesInLockstep(std::vector<Response> responses, int layers, int k, bool kGiven,
                                    const std::vector<std::string>& files) {
    const bool base64 = responses.front().base64;
    const std::vector<int> kept = routedLayers(responses, layers, k);
    if (kept.empty()) throw Error(files.front() + ": no layer routes any token");
    std::vector<RequestRouting> requests;
    for (Response& r : responses) {
        RequestRouting q{r.source, r.tokens, {}};
        if (kept.size() == static_cast<size_t>(layers)) {
            q.ids = std::move(r.ids);
        } else {
            for (int64_t t = 0; t < r.tokens; ++t)
                for (int l : kept) {
                    const int32_t* ids = r.ids.data() + (t * layers + l) * k;
                    q.ids.insert(q.ids.end(), ids, ids + k);
                }
            r.ids = {};
        }
        requests.push_back(std::move(q));
    }
    ImportedRouting out = requestsInLockstep(std::move(requests), static_cast<int>(kept.size()), k);
    out.layers = kept;
    out.files = files;
    out.format = base64 ? "sglang responses (routed_experts)" : "vllm responses (routed_experts)";
    if (kept.size() < static_cast<size_t>(layers))
        out.notes.push_back(std::to_string(layers - static_cast<int>(kept.size())) + " of " +
                            std::to_string(layers) +
                            " layers route no token (dense, all ids 0) and are left out");
    if (base64 && !kGiven)
        out.notes.push_back("top-k " + std::to_string(k) +
                            " inferred (the largest group in which no expert repeats); "
                            "--top-k sets it");
    return out;
}

int chooseTopK(const std::vector<Response>& responses, int width, int topK) {
    if (responses.front().k > 0) return responses.front().k;
    if (topK > 0) {
        if (width % topK != 0)
            throw Error(responses.front().source + ": " + std::to_string(width) +
                        " ids per token do not split into layers of top-" + std::to_string(topK));
        return topK;
    }
    for (int k = std::min(width, 32); k >= 1; --k)
        if (width % k == 0 && groupsDistinct(responses, k)) return k;
    return 1;
}

}  // namespace

bool isResponseDump(const std::string& path) {
    std::ifstream in(path);
    std::string text;
    while (std::getline(in, text))
        if (text.find_first_not_of(" \t\r") != std::string::npos) break;
    return text.find("routed_experts\"") != std::string::npos && text.front() == '{';
}

ImportedRouting readResponseDump(const std::vector<std::string>& files, int topK) {
    std::vector<Response> responses;
    for (const std::string& f : files) {
        // Read in pieces on several threads (json_lines.h), then appended in file order with
        // every response's width checked against the first.
        std::vector<std::vector<Response>> pieces;
        forEachJsonLineInPieces(
            f, [&](int n) { pieces.resize(static_cast<size_t>(n)); },
            [&](int i, object& o, const JsonLine& line) {
                pieces[static_cast<size_t>(i)].push_back(readResponse(o, line));
            },
            [&](int i) {
                for (Response& r : pieces[static_cast<size_t>(i)]) {
                    if (!responses.empty() && r.width != responses.front().width)
                        throw Error::inFile(f, r.line,
                                            std::to_string(r.width) + " ids per token, where " +
                                                responses.front().source + " has " +
                                                std::to_string(responses.front().width));
                    responses.push_back(std::move(r));
                }
                pieces[static_cast<size_t>(i)] = {};
            });
    }
    if (responses.empty()) throw Error(files.front() + ": no responses");
    const int width = responses.front().width;
    const int k = chooseTopK(responses, width, topK);
    return responsesInLockstep(std::move(responses), width / k, k, topK > 0, files);
}

}  // namespace moe
