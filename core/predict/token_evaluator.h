// Scores Token-to-Expert predictors on each step before they learn from it: top-1 accuracy
// (the predicted first expert is the router's first), top-k overlap (|predicted set ∩ true
// set| / k), MoE-GPS's error = 1 - accuracy, and the load errors of the per-expert loads that
// follow from the per-token guesses (horizon 1 by nature: the guesses are for this step).
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "core/predict/error_metrics.h"
#include "core/predict/prediction_evaluator.h"
#include "core/predict/token_predictors.h"

namespace moe {

struct TokenScore {
    std::string name, parameters;
    int64_t tokens = 0;       // (token, layer) pairs scored
    double top1Hits = 0;      // of those, first expert right
    double overlapSum = 0;    // sum of |pred ∩ true| / k
    MetricAccumulator loads;  // predicted loads vs true loads, per (step, layer)
    std::vector<MetricAccumulator> loadsPerLayer;
    double seconds = 0;       // time in predict()
    int64_t predictions = 0;  // predict() calls (one per layer per step)

    double accuracy() const { return tokens ? top1Hits / static_cast<double>(tokens) : 0; }
    double topKOverlap() const { return tokens ? overlapSum / static_cast<double>(tokens) : 0; }
    double microsecondsPerLayer() const {
        return predictions ? 1e6 * seconds / static_cast<double>(predictions) : 0;
    }
};

class TokenEvaluator {
public:
    // Each (step, layer) scored, as the load evaluator reports its forecasts: `step` is the
    // last step the predictor had learnt from (the scored one minus 1), horizon 1, and the
    // load errors of the per-expert loads its per-token guesses imply.
    using Sink = std::function<void(const PredictionError&)>;

    TokenEvaluator(std::vector<std::unique_ptr<TokenPredictor>> predictors,
                   const WorkloadShape& shape);
    void setSink(Sink sink) { sink_ = std::move(sink); }
    void push(const Step& step);
    const std::vector<TokenScore>& scores() const { return scores_; }

private:
    std::vector<std::unique_ptr<TokenPredictor>> predictors_;
    WorkloadShape shape_;
    std::vector<TokenScore> scores_;
    std::vector<int32_t> ids_;
    Sink sink_;
};

}  // namespace moe
