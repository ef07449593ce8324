// Everything that watches loads for the prediction question, fed one step at a time: the load
// predictors (through the look-ahead evaluator), the token-to-expert predictors and the phase
// detector. The `predict` command drives it over a workload; `run` and the GUI feed it from
// the engine's telemetry.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/predict/phase_detector.h"
#include "core/predict/prediction_evaluator.h"
#include "core/predict/predictor_factory.h"
#include "core/predict/token_evaluator.h"
#include "core/stats/load_matrix.h"

namespace moe {

struct PredictionSuiteOptions {
    std::vector<std::string> predictors;  // specs, e.g. "sw_avg:window=100"
    EvaluatorOptions evaluator;
    std::optional<PhaseOptions> phases;  // detector on when set
};

class PredictionSuite {
public:
    PredictionSuite(const PredictionSuiteOptions& options, const WorkloadShape& shape);

    // One step and its loads (pairs per expert), in order.
    void push(const Step& step, const LoadMatrix& loads);

    const PredictionEvaluator* loadEvaluator() const { return load_.get(); }
    const TokenEvaluator* tokenEvaluator() const { return token_.get(); }
    const PhaseDetector* phases() const { return phases_ ? &*phases_ : nullptr; }
    // Scored load forecasts (predictor = index into loadEvaluator()->scores()).
    void setErrorSink(PredictionEvaluator::Sink sink);
    // Scored token-to-expert guesses (predictor = index into tokenEvaluator()->scores()).
    void setTokenErrorSink(TokenEvaluator::Sink sink);
    int64_t steps() const { return steps_; }

private:
    WorkloadShape shape_;
    std::unique_ptr<PredictionEvaluator> load_;
    std::unique_ptr<TokenEvaluator> token_;
    std::optional<PhaseDetector> phases_;
    int64_t steps_ = 0;
};

}  // namespace moe
