// See prediction_suite.h.
#include "core/predict/prediction_suite.h"

#include "core/common/error.h"

namespace moe {

PredictionSuite::PredictionSuite(const PredictionSuiteOptions& options, const WorkloadShape& shape)
    : shape_(shape) {
    PredictorSet set;
    for (const auto& spec : options.predictors) addPredictor(spec, shape, set);
    if (set.load.empty() && set.token.empty()) throw Error("no predictor given");
    if (!set.load.empty())
        load_ = std::make_unique<PredictionEvaluator>(std::move(set.load), options.evaluator);
    if (!set.token.empty()) token_ = std::make_unique<TokenEvaluator>(std::move(set.token), shape);
    if (options.phases) phases_.emplace(*options.phases);
}

void PredictionSuite::setErrorSink(PredictionEvaluator::Sink sink) {
    if (load_) load_->setSink(std::move(sink));
}

void PredictionSuite::setTokenErrorSink(TokenEvaluator::Sink sink) {
    if (token_) token_->setSink(std::move(sink));
}

void PredictionSuite::push(const Step& step, const LoadMatrix& loads) {
    const LoadShares shares = sharesOf(loads, step.tokens, shape_.topK);
    if (token_) token_->push(step);
    if (load_) load_->push(step.index, shares);
    if (phases_) phases_->push(step.index, shares);
    ++steps_;
}

}  // namespace moe
