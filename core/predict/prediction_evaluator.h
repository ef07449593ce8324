// Runs any set of predictors side by side over a stream of steps and scores them the same
// way. It evaluates against a look-ahead buffer: a predictor observes step t and forecasts
// t+1..t+H only once those H steps have arrived, so errors are exact and memory is H steps of
// shares, not H pending forecasts (which at H = 2,000 would not fit). Errors therefore lag the
// live run by H steps, as they must: the future has to happen before it can be scored.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "core/predict/error_metrics.h"
#include "core/predict/predictor.h"

namespace moe {

struct EvaluatorOptions {
    int horizon = 1;        // H: forecasts cover the next H steps; errors average over them
    int forecastEvery = 1;  // score a forecast every N observed steps
    int64_t warmup = 0;     // steps observed before the first scored forecast
    // Also score each forecast at these shorter horizons (errors over its first h steps), so
    // one forecast of the longest horizon serves several: the GUI's horizon selector without
    // running every predictor once per horizon. The evaluator forecasts max(horizon, these).
    std::vector<int> alsoAt;
};

struct PredictionError {
    int64_t step = 0;   // the last step the predictor had seen when it forecast
    int predictor = 0;  // index into the evaluator's predictors
    int horizon = 0;
    int layer = 0;
    ErrorMetrics metrics;  // averaged over the H steps ahead
};

struct PredictorScore {
    std::string name, parameters;
    std::vector<MetricAccumulator> perLayer;
    MetricAccumulator overall;  // every (forecast, layer)
    // Per horizon of EvaluatorOptions::alsoAt (same order): every (forecast, layer) at h.
    std::vector<MetricAccumulator> alsoAt;
    double forecastSeconds = 0, observeSeconds = 0;
    int64_t forecasts = 0, observations = 0;
    // The cost figure of the issue: microseconds per forecast, per layer.
    double microsecondsPerForecastPerLayer() const;
    double microsecondsPerObservePerLayer() const;
};

class PredictionEvaluator {
public:
    using Sink = std::function<void(const PredictionError&)>;
    PredictionEvaluator(std::vector<std::unique_ptr<Predictor>> predictors,
                        const EvaluatorOptions& options);

    void setSink(Sink sink) { sink_ = std::move(sink); }
    // One actual step, in order.
    void push(int64_t step, const LoadShares& shares);

    const std::vector<PredictorScore>& scores() const { return scores_; }
    const std::vector<std::unique_ptr<Predictor>>& predictors() const { return predictors_; }
    const EvaluatorOptions& options() const { return options_; }

private:
    void evaluateFront();
    std::vector<std::unique_ptr<Predictor>> predictors_;
    EvaluatorOptions options_;
    std::vector<PredictorScore> scores_;
    std::deque<std::pair<int64_t, LoadShares>> window_;  // step t and its H successors
    std::vector<LoadShares> future_;                     // contiguous copy for peekFuture
    Forecast forecast_;
    int64_t observed_ = 0;
    Sink sink_;
};

}  // namespace moe
