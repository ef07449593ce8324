// See transition_counts.h.
#include "core/balance/transition_counts.h"

#include <algorithm>
#include <string>

#include "core/common/error.h"

namespace moe {

TransitionCounts::TransitionCounts(int layers, int experts) : layers_(layers), experts_(experts) {
    if (layers < 1 || experts < 1)
        throw Error("transition counts need at least one layer and one expert");
    counts_.assign(static_cast<size_t>(layers - 1) * experts * experts, 0.0);
}

void TransitionCounts::accumulate(const Step& step, int topK) {
    if (topK < 1) throw Error("transition counts: top-k must be at least 1");
    const size_t perLayer = static_cast<size_t>(step.tokens) * topK;
    if (step.experts.size() < perLayer * layers_)
        throw Error("step " + std::to_string(step.index) + " carries fewer expert ids than " +
                    std::to_string(layers_) + " layers x " + std::to_string(step.tokens) +
                    " tokens x top-" + std::to_string(topK));
    for (size_t i = 0; i < perLayer * layers_; ++i)
        if (static_cast<uint32_t>(step.experts[i]) >= static_cast<uint32_t>(experts_))
            throw Error("step " + std::to_string(step.index) + ": expert id " +
                        std::to_string(step.experts[i]) + " out of range 0.." +
                        std::to_string(experts_ - 1));
    const double w = 1.0 / topK;  // see the header: each pair carries 1/k of a token
    for (int l = 0; l + 1 < layers_; ++l) {
        const int32_t* a = step.experts.data() + l * perLayer;
        const int32_t* b = a + perLayer;
        double* base = counts_.data() + idx(l, 0, 0);
        for (int t = 0; t < step.tokens; ++t)
            for (int i = 0; i < topK; ++i) {
                double* row = base + static_cast<size_t>(a[t * topK + i]) * experts_;
                for (int j = 0; j < topK; ++j) row[b[t * topK + j]] += w;
            }
    }
    tokens_ += step.tokens;
}

void TransitionCounts::add(const TransitionCounts& other) {
    if (other.layers_ != layers_ || other.experts_ != experts_)
        throw Error("transition counts of different shapes cannot be added");
    for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
    tokens_ += other.tokens_;
}

void TransitionCounts::clear() {
    std::fill(counts_.begin(), counts_.end(), 0.0);
    tokens_ = 0;
}

RoutingProfile profileRouting(Workload& workload, int64_t maxSteps) {
    const WorkloadShape& shape = workload.shape();
    RoutingProfile p;
    p.layers = shape.layers;
    p.experts = shape.experts;
    p.topK = shape.topK;
    p.transitions = TransitionCounts(shape.layers, shape.experts);
    p.load.assign(static_cast<size_t>(shape.layers) * shape.experts, 0.0);
    Step step;
    while ((maxSteps <= 0 || p.steps < maxSteps) && workload.next(step)) {
        p.transitions.accumulate(step, shape.topK);  // validates the ids for the loop below
        const size_t perLayer = static_cast<size_t>(step.tokens) * shape.topK;
        for (int l = 0; l < shape.layers; ++l)
            for (size_t i = 0; i < perLayer; ++i)
                p.load[static_cast<size_t>(l) * shape.experts + step.experts[l * perLayer + i]] +=
                    1.0;
        ++p.steps;
        p.tokens += step.tokens;
    }
    return p;
}

}  // namespace moe
