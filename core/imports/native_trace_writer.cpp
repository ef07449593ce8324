// writeNativeTrace (import_routing.h): an imported recording as the workbench's own trace. The
// trace is sequence-ordered (each sequence's lines together, as the trace reader insists), so
// the recording's steps survive only where the sidecar or a batching can say them again:
// recordings whose sequences each lie within one step (SGLang's passes, Megatron's steps) keep
// their step sizes (step_tokens=); requests replayed in lockstep are continuous batching with
// every request in flight.
#include <zlib.h>

#include <algorithm>
#include <numeric>
#include <unordered_map>

#include "core/common/error.h"
#include "core/common/output_file.h"
#include "core/imports/import_routing.h"
#include "core/workload/trace_shape.h"

namespace moe {

namespace {

// gzip of `text` at the default level (what zcat and the trace reader read).
std::string gzip(const std::string& text, const std::string& path) {
    z_stream z{};
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw Error(path + ": zlib could not start");
    std::string out(deflateBound(&z, text.size()), '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    z.avail_in = static_cast<uInt>(text.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    const int rc = deflate(&z, Z_FINISH);
    out.resize(z.total_out);
    deflateEnd(&z);
    if (rc != Z_STREAM_END) throw Error(path + ": compression failed");
    return out;
}

// How the recording's steps relate to its sequences.
struct StepLayout {
    std::vector<size_t> order;  // tokens, each sequence's together, sequences by first token
    bool withinSteps = true;    // no sequence spans two steps
    bool lockstep = true;       // every sequence starts at step 0, one token per step
    size_t sequences = 0;
};

StepLayout layoutOf(const ImportedRouting& r) {
    StepLayout out;
    struct Seen {
        size_t order;  // of the sequence's first token among sequences
        int64_t firstStep, tokens;
    };
    std::unordered_map<int32_t, Seen> seen;
    std::vector<size_t> key(r.tokens.size());
    for (size_t t = 0; t < r.tokens.size(); ++t) {
        const auto& token = r.tokens[t];
        Seen& s = seen.try_emplace(token.sequence, Seen{seen.size(), token.step, 0}).first->second;
        key[t] = s.order;
        out.withinSteps = out.withinSteps && token.step == s.firstStep;
        out.lockstep = out.lockstep && s.firstStep == 0 && token.step == s.tokens;
        ++s.tokens;
    }
    out.sequences = seen.size();
    out.order.resize(r.tokens.size());
    std::iota(out.order.begin(), out.order.end(), size_t{0});
    std::stable_sort(out.order.begin(), out.order.end(),
                     [&](size_t a, size_t b) { return key[a] < key[b]; });
    return out;
}

std::string traceText(const ImportedRouting& r, const std::vector<size_t>& order, size_t per) {
    std::string text;
    text.reserve(r.tokens.size() * (8 + 3 * per));
    for (size_t t : order) {
        text += std::to_string(r.tokens[t].sequence);
        text += '\t';
        text += std::to_string(r.tokens[t].position);
        for (size_t i = 0; i < per; ++i) {
            text += '\t';
            text += std::to_string(r.ids[t * per + i]);
        }
        text += '\n';
    }
    return text;
}

std::string sidecarLine(const TraceShape& shape) {
    std::string line = "layers=" + std::to_string(shape.layers) +
                       " experts=" + std::to_string(shape.experts) +
                       " top_k=" + std::to_string(shape.topK);
    for (size_t l = 0; l < shape.modelLayers.size(); ++l)
        line += (l ? "," : " model_layers=") + std::to_string(shape.modelLayers[l]);
    for (size_t s = 0; s < shape.stepTokens.size(); ++s)
        line += (s ? "," : " step_tokens=") + std::to_string(shape.stepTokens[s]);
    return line + "\n";
}

}  // namespace

std::string writeNativeTrace(const ImportedRouting& r, const std::string& path) {
    if (!r.perToken())
        throw Error(path + ": " + r.format +
                    " holds counts only, no per-token routing; write a loads CSV instead");
    TraceShape shape{static_cast<int>(r.layers.size()), r.experts, r.topK, {}, {}};
    for (size_t l = 0; l < r.layers.size(); ++l)
        if (r.layers[l] != static_cast<int>(l)) shape.modelLayers = r.layers;
    validateTraceShape(shape, path);
    const StepLayout layout = layoutOf(r);
    std::string replay;
    if (layout.withinSteps) {
        shape.stepTokens.assign(static_cast<size_t>(r.steps()), 0);
        for (const auto& token : r.tokens) ++shape.stepTokens[static_cast<size_t>(token.step)];
        std::erase(shape.stepTokens, 0);
        replay = "--batching recorded";
    } else if (layout.lockstep) {
        replay = "--batching continuous -B " + std::to_string(layout.sequences);
    }
    const std::string text = traceText(r, layout.order, static_cast<size_t>(shape.idsPerToken()));
    OutputFile trace(path);
    trace.write(gzip(text, path));
    OutputFile sidecar(shapeSidecarPath(path));
    sidecar.write(sidecarLine(shape));
    trace.commit();
    sidecar.commit();
    return replay.empty() ? "its steps mix sequences across steps; no batching replays them exactly"
                          : "replay its recorded steps with " + replay;
}

}  // namespace moe
