// When to rebalance: vLLM rebalances every N passes whatever the load, and users ask to skip a
// rebalance when the load is already balanced. A schedule checks every N steps and, with a
// threshold, rebalances only when the forecast's balancedness under the current placement
// falls below it.
#pragma once

#include <cstdint>
#include <vector>

#include "core/balance/placement.h"

namespace moe {

class RebalanceSchedule {
public:
    // everySteps >= 1; threshold in (0, 1] enables the balancedness check, 0 disables it.
    explicit RebalanceSchedule(int64_t everySteps = 1, double threshold = 0);

    // True when `step` is a check point (a multiple of everySteps, step 0 included) and, with
    // a threshold, `predictedBalancedness` is below it.
    bool due(int64_t step, double predictedBalancedness) const;

    // A check point (a multiple of everySteps): only there is a forecast worth making.
    bool checkPoint(int64_t step) const { return step >= 0 && step % every_ == 0; }
    int64_t everySteps() const { return every_; }
    double threshold() const { return threshold_; }

private:
    int64_t every_;
    double threshold_;
};

// What `due` is fed: mean over layers of mean/max rank load of `current` under `forecast`
// (layers x experts, tokens or shares).
double predictedBalancedness(const Placement& current, const std::vector<double>& forecast);

}  // namespace moe
