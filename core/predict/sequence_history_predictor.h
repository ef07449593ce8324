// Per-sequence history for continuous batching: a sequence in flight keeps routing much as it
// did on its own recent tokens (a decoding request stays on its topic), which a step-level
// average blurs over the whole batch. Each sequence keeps decayed expert counts per layer from
// its own tokens; a step's forecast sums them over the sequences in it. A sequence not seen
// before falls back to the layer's frequency table. Needs sequence ids; reads none of the
// step's routing, so its forecast exists before the step starts.
#pragma once

#include <unordered_map>
#include <vector>

#include "core/predict/token_predictors.h"

namespace moe {

class SequenceHistoryPredictor final : public TokenDistributionPredictor {
public:
    // `window`: tokens of its own a sequence's history mostly reflects (decay 1 - 1/window).
    SequenceHistoryPredictor(const WorkloadShape& shape, int window);
    std::string name() const override { return "seq_history"; }
    std::string parameters() const override { return "window=" + std::to_string(window_); }
    void checkShape(const WorkloadShape& shape) const override;
    void observe(const Step& step) override;
    size_t sequencesKept() const { return history_.size(); }

protected:
    void tokenDistribution(const Step& step, int layer, int t, double* out) override;

private:
    struct History {
        std::vector<float> counts;  // layers x experts, decayed pairs
        std::vector<float> mass;    // per layer: sum of counts
    };
    // The sequence's share of each expert of `layer` times k, or null when it has none.
    const History* historyOf(int32_t sequence) const;
    int window_;
    std::unordered_map<int32_t, History> history_;
    FrequencyTokenPredictor fallback_;
};

}  // namespace moe
