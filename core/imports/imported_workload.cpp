// See imported_workload.h.
#include "core/imports/imported_workload.h"

#include <algorithm>

#include "core/common/error.h"

namespace moe {

namespace {

// k fits a step when every layer's pairs divide by it into the same T, with no count above T.
bool fits(const std::vector<int64_t>& loads, int layers, int experts, int k) {
    int64_t tokens = -1;
    for (int l = 0; l < layers; ++l) {
        int64_t pairs = 0, most = 0;
        for (int e = 0; e < experts; ++e) {
            pairs += loads[l * experts + e];
            most = std::max(most, loads[l * experts + e]);
        }
        if (pairs % k || most > pairs / k) return false;
        if (tokens >= 0 && pairs / k != tokens) return false;
        tokens = pairs / k;
    }
    return true;
}

}  // namespace

int inferTopK(const std::vector<std::vector<int64_t>>& stepLoads, int layers, int experts) {
    for (int k = std::min(16, experts); k >= 1; --k) {
        bool all = true;
        for (const auto& loads : stepLoads) all = all && fits(loads, layers, experts, k);
        if (all) return k;
    }
    return 0;
}

ImportedWorkload::ImportedWorkload(ImportedRouting routing, int64_t maxSteps, int topK)
    : ImportedWorkload(std::make_shared<const ImportedRouting>(std::move(routing)), maxSteps,
                       topK) {}

ImportedWorkload::ImportedWorkload(std::shared_ptr<const ImportedRouting> routing, int64_t maxSteps,
                                   int topK)
    : routing_(std::move(routing)) {
    if (!routing_) throw Error("no recording to replay");
    const int L = static_cast<int>(routing_->layers.size()), E = routing_->experts;
    shape_.layers = L;
    shape_.experts = E;
    for (int l = 0; l < L; ++l)
        if (routing_->layers[l] != l) shape_.modelLayers = routing_->layers;
    steps_ = routing_->steps();
    if (maxSteps > 0) steps_ = std::min(steps_, maxSteps);
    const std::string from = routing_->files.empty() ? routing_->format : routing_->files.front();
    if (routing_->perToken()) {
        if (topK > 0 && topK != routing_->topK)
            throw Error(from + ": the recording routes " + std::to_string(routing_->topK) +
                        " experts per token, not " + std::to_string(topK));
        shape_.topK = routing_->topK;
        shape_.hasSequenceIds = shape_.hasPositions = true;
        shape_.hasTokenIds = std::all_of(routing_->tokens.begin(), routing_->tokens.end(),
                                         [](const auto& t) { return t.id >= 0; });
        return;
    }
    if (topK == 0) {  // inferred: every step fits the k found, by construction
        shape_.topK = inferTopK(routing_->stepLoads, L, E);
        if (shape_.topK == 0)
            throw Error(from +
                        ": no top-k splits every step's counts into whole tokens; give "
                        "the model's top_k");
        return;
    }
    shape_.topK = topK;
    for (size_t s = 0; s < routing_->stepLoads.size(); ++s)
        if (!fits(routing_->stepLoads[s], L, E, shape_.topK))
            throw Error(from + ": step " + std::to_string(s) + "'s counts are not tokens x " +
                        std::to_string(shape_.topK) + " in every layer");
}

std::string ImportedWorkload::describe() const {
    std::string d = "import:";
    for (size_t i = 0; i < routing_->files.size(); ++i) d += (i ? "," : "") + routing_->files[i];
    d += " (" + routing_->format;
    if (!routing_->perToken()) d += ", counts routed exactly, top_k=" + std::to_string(shape_.topK);
    return d + ")";
}

void ImportedWorkload::countsStep(int64_t s, Step& step) {
    const int L = shape_.layers, E = shape_.experts, k = shape_.topK;
    const std::vector<int64_t>& loads = routing_->stepLoads[static_cast<size_t>(s)];
    int64_t pairs = 0;
    for (int e = 0; e < E; ++e) pairs += loads[e];
    const int T = static_cast<int>(pairs / k);
    experts_.assign(static_cast<size_t>(L) * T * k, 0);
    std::vector<int32_t> list;
    for (int l = 0; l < L; ++l) {
        list.clear();
        for (int e = 0; e < E; ++e) list.insert(list.end(), loads[l * E + e], e);
        for (int t = 0; t < T; ++t)
            for (int j = 0; j < k; ++j)
                experts_[(static_cast<size_t>(l) * T + t) * k + j] = list[t + j * T];
    }
    step.tokens = T;
    step.experts = experts_;
    step.sequenceIds = step.positions = step.tokenIds = {};
}

void ImportedWorkload::tokensStep(Step& step) {
    const int L = shape_.layers, k = shape_.topK;
    const int64_t s = routing_->tokens[token_].step;
    size_t end = token_;
    while (end < routing_->tokens.size() && routing_->tokens[end].step == s) ++end;
    const int T = static_cast<int>(end - token_);
    experts_.resize(static_cast<size_t>(L) * T * k);
    sequences_.resize(T);
    positions_.resize(T);
    ids_.resize(T);
    const size_t per = static_cast<size_t>(L) * k;
    for (int t = 0; t < T; ++t) {
        const auto& tok = routing_->tokens[token_ + t];
        sequences_[t] = tok.sequence;
        positions_[t] = tok.position;
        ids_[t] = tok.id;
        for (int l = 0; l < L; ++l)
            for (int j = 0; j < k; ++j)
                experts_[(static_cast<size_t>(l) * T + t) * k + j] =
                    routing_->ids[(token_ + t) * per + l * k + j];
    }
    token_ = end;
    step.tokens = T;
    step.experts = experts_;
    step.sequenceIds = sequences_;
    step.positions = positions_;
    step.tokenIds =
        shape_.hasTokenIds ? std::span<const int32_t>(ids_) : std::span<const int32_t>();
}

bool ImportedWorkload::next(Step& step) {
    if (next_ >= steps_) return false;
    step = Step{};
    step.index = next_;
    if (routing_->perToken())
        tokensStep(step);
    else
        countsStep(next_, step);
    ++next_;
    return true;
}

}  // namespace moe
