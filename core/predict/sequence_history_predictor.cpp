// See sequence_history_predictor.h. Sequences absent from a step are forgotten: under
// continuous batching a sequence leaves the batch when it finishes, so the table holds the
// batch in flight, not every request ever served.
#include "core/predict/sequence_history_predictor.h"

#include <algorithm>
#include <unordered_set>

#include "core/common/error.h"

namespace moe {

SequenceHistoryPredictor::SequenceHistoryPredictor(const WorkloadShape& shape, int window)
    : TokenDistributionPredictor(shape),
      window_(window),
      fallback_(FrequencyTokenPredictor::Key::None, shape) {
    checkShape(shape);
    if (window < 1) throw Error("seq_history: window must be 1 or more");
}

void SequenceHistoryPredictor::checkShape(const WorkloadShape& shape) const {
    if (!shape.hasSequenceIds)
        throw Error(
            "seq_history needs sequence ids, and this workload has none (use --batching "
            "continuous or sequence, or the live training workload)");
}

const SequenceHistoryPredictor::History* SequenceHistoryPredictor::historyOf(
    int32_t sequence) const {
    const auto it = history_.find(sequence);
    return it == history_.end() ? nullptr : &it->second;
}

void SequenceHistoryPredictor::tokenDistribution(const Step& step, int layer, int t, double* out) {
    const History* h = historyOf(step.sequenceIds[t]);
    if (h && h->mass[layer] > 0) {
        const float* c = h->counts.data() + static_cast<size_t>(layer) * experts_;
        for (int e = 0; e < experts_; ++e) out[e] = topK_ * c[e] / h->mass[layer];
        return;
    }
    Step one = step;  // the fallback's per-token distribution, for this token alone
    one.tokens = 1;
    fallback_.predictLoad(one, layer, {layers_, experts_, topK_}, out);
}

void SequenceHistoryPredictor::observe(const Step& step) {
    fallback_.observe(step);
    const float keep = 1.0f - 1.0f / static_cast<float>(window_);
    std::unordered_set<int32_t> present;
    for (int t = 0; t < step.tokens; ++t) {
        const int32_t s = step.sequenceIds[t];
        present.insert(s);
        History& h = history_[s];
        if (h.counts.empty()) {
            h.counts.assign(static_cast<size_t>(layers_) * experts_, 0.0f);
            h.mass.assign(static_cast<size_t>(layers_), 0.0f);
        }
        for (int l = 0; l < layers_; ++l) {
            float* c = h.counts.data() + static_cast<size_t>(l) * experts_;
            for (int e = 0; e < experts_; ++e) c[e] *= keep;
            h.mass[l] = h.mass[l] * keep + static_cast<float>(topK_);
            const auto ids = step.layerExperts(l, topK_);
            for (int j = 0; j < topK_; ++j) c[ids[static_cast<size_t>(t) * topK_ + j]] += 1.0f;
        }
    }
    std::erase_if(history_, [&](const auto& kv) { return !present.count(kv.first); });
}

}  // namespace moe
