// A load predictor as a rebalance uses it: it observes each step's loads once and turns its
// forecast into expected token-expert pairs per step for the policy. Apart from the
// RebalanceController so that several controllers can share one: the what-if matrix runs
// every policy and cadence on the same predictor, and a predictor's state does not depend on
// what a policy does with its forecast, so one instance observes and forecasts for all of
// them (an ARIMA refit or an LSTM training pass then happens once, not once per policy).
// Thread-safe: lanes evaluated in parallel call it concurrently.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/engine/telemetry.h"
#include "core/predict/predictor.h"

namespace moe {

class LoadForecaster {
public:
    // Throws moe::Error when `spec` is no load predictor, or needs the future.
    LoadForecaster(const std::string& spec, const WorkloadShape& shape);

    // Step t's loads; a step already observed (by another sharer) is not observed again.
    void observe(const StepTelemetry& t);
    // Expected pairs per step of every (layer, expert), averaged over the next `horizon`
    // steps, after the last observed step. Computed once per (step, horizon).
    std::vector<double> forecastLoad(int horizon);
    double pairsPerStep() const;  // mean tokens per step x top-k, over the steps observed

    std::string describe() const;  // name[:parameters]
    int64_t forecasts() const;
    double forecastSeconds() const;
    // Steps observed, and the predictor's whole wall time: learning (observe) and forecasting.
    int64_t observedSteps() const;
    double busySeconds() const;

private:
    mutable std::mutex mutex_;
    std::unique_ptr<Predictor> predictor_;
    WorkloadShape shape_;
    int64_t lastStep_ = -1;
    int64_t observed_ = 0;
    double meanTokens_ = 0;
    std::map<int, std::vector<double>> cache_;  // horizon -> load, for lastStep_
    int64_t forecasts_ = 0;
    double forecastSeconds_ = 0;
    double observeSeconds_ = 0;
};

}  // namespace moe
