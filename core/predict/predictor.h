// One interface for every load predictor (methods.md sections 1 and 2): observe each step's
// loads in order, forecast every expert's share for the next H steps. The evaluator measures
// them all the same way, so adding a predictor never touches the evaluation.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "core/predict/forecast.h"
#include "core/predict/load_shares.h"

namespace moe {

class Predictor {
public:
    virtual ~Predictor() = default;
    virtual std::string name() const = 0;        // the CLI name, e.g. "sw_avg"
    virtual std::string parameters() const = 0;  // e.g. "window=100"
    // Called once per step, in order. `shares` = sharesOf(the step's loads). The evaluator may
    // call it some steps after the step ran (it evaluates against a look-ahead buffer), so a
    // predictor gets shares only, never views into the workload's buffers.
    virtual void observe(int64_t step, const LoadShares& shares) = 0;
    // Shares for steps t+1..t+horizon, t = the last observed step.
    virtual void forecast(int horizon, Forecast& out) = 0;
    // Only the oracle looks ahead: the evaluator hands it the true next steps first.
    virtual bool wantsFuture() const { return false; }
    virtual void peekFuture(std::span<const LoadShares> /*next*/) {}
};

}  // namespace moe
