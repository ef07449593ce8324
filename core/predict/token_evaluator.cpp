// See token_evaluator.h.
#include "core/predict/token_evaluator.h"

#include <algorithm>
#include <chrono>

namespace moe {

TokenEvaluator::TokenEvaluator(std::vector<std::unique_ptr<TokenPredictor>> predictors,
                               const WorkloadShape& shape)
    : predictors_(std::move(predictors)), shape_(shape) {
    for (const auto& p : predictors_) {
        p->checkShape(shape);
        TokenScore s;
        s.name = p->name();
        s.parameters = p->parameters();
        s.loadsPerLayer.resize(shape.layers);
        scores_.push_back(std::move(s));
    }
}

void TokenEvaluator::push(const Step& step) {
    const int k = shape_.topK, E = shape_.experts, T = step.tokens;
    if (T == 0) return;
    ids_.resize(static_cast<size_t>(T) * k);
    std::vector<float> predictedShares(E), trueShares(E);
    for (size_t i = 0; i < predictors_.size(); ++i) {
        TokenScore& s = scores_[i];
        for (int l = 0; l < shape_.layers; ++l) {
            const auto t0 = std::chrono::steady_clock::now();
            predictors_[i]->predict(step, l, ids_.data());
            s.seconds +=
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            ++s.predictions;
            const auto truth = step.layerExperts(l, k);
            std::fill(predictedShares.begin(), predictedShares.end(), 0.0f);
            std::fill(trueShares.begin(), trueShares.end(), 0.0f);
            const float unit = 1.0f / static_cast<float>(T * k);
            for (int t = 0; t < T; ++t) {
                const int32_t* p = ids_.data() + static_cast<size_t>(t) * k;
                const int32_t* a = truth.data() + static_cast<size_t>(t) * k;
                s.top1Hits += p[0] == a[0] ? 1 : 0;
                int common = 0;
                for (int j = 0; j < k; ++j) {
                    common += std::find(a, a + k, p[j]) != a + k ? 1 : 0;
                    predictedShares[p[j]] += unit;
                    trueShares[a[j]] += unit;
                }
                s.overlapSum += static_cast<double>(common) / k;
                ++s.tokens;
            }
            const ErrorMetrics m = layerErrors(predictedShares, trueShares);
            s.loads.add(m);
            s.loadsPerLayer[l].add(m);
            // The first step has no earlier step to name as the one learnt from.
            if (sink_ && step.index > 0) sink_({step.index - 1, static_cast<int>(i), 1, l, m});
        }
        predictors_[i]->observe(step);
    }
}

}  // namespace moe
