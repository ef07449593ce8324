// A token-level predictor as the what-if's in-step lanes use it: during step t, before each
// layer routes, it forecasts that layer's loads from what exists by then (the step's token
// ids, positions and sequences; the routing and router inputs of the layers before). The cut
// is made here (routingKnownBefore), so a predictor cannot read what it could not have had.
// One instance serves every policy and cadence of its predictor; the matrix calls prepare()
// and observe() around each step, lanes read forecast() in between, from any thread.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/predict/token_predictors.h"

namespace moe {

class StepLoadForecaster {
public:
    // Throws moe::Error when `spec` is no token-level predictor, needs what the workload lacks,
    // or reads a layer's own router input (too late to place that layer) unless `ceiling`:
    // then that predictor sees its layer's input, a bound for lookahead predictors that no
    // system reaches in time (WhatIfSpec::ownInputCeiling).
    StepLoadForecaster(const std::string& spec, const WorkloadShape& shape, bool ceiling = false);
    // True for a predictor scored as that ceiling.
    bool readsOwnLayerInput() const;

    // Forecast every layer of `step` (L x E expected pairs), once; later calls for the same
    // step return the same figures.
    const std::vector<double>& forecast(const Step& step);
    // Learn from the step's full routing, after every lane has planned it.
    void observe(const Step& step);

    std::string describe() const;  // name[:parameters]
    int64_t forecasts() const;     // steps forecast (all layers each)
    double forecastSeconds() const;
    // Steps observed, and the whole wall time: learning (observe) and forecasting.
    int64_t observedSteps() const;
    double busySeconds() const;

private:
    mutable std::mutex mutex_;
    std::unique_ptr<TokenPredictor> predictor_;
    WorkloadShape shape_;
    int64_t forecastStep_ = -1;
    std::vector<double> load_;
    int64_t forecasts_ = 0;
    double forecastSeconds_ = 0;
    double observeSeconds_ = 0;
    int64_t observed_ = 0;
};

// Whether `spec` names a token-level predictor (the what-if then plans in-step from it).
bool isTokenPredictorSpec(const std::string& spec, const WorkloadShape& shape);

}  // namespace moe
