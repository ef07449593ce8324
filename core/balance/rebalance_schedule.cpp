// See rebalance_schedule.h.
#include "core/balance/rebalance_schedule.h"

#include <cmath>

#include "core/balance/policy_util.h"
#include "core/common/error.h"

namespace moe {

RebalanceSchedule::RebalanceSchedule(int64_t everySteps, double threshold)
    : every_(everySteps), threshold_(threshold) {
    if (everySteps < 1)
        throw Error("rebalance interval must be at least 1 step, got " +
                    std::to_string(everySteps));
    if (!(threshold >= 0 && threshold <= 1))
        throw Error("balancedness threshold must be in [0, 1] (0 = always rebalance), got " +
                    std::to_string(threshold));
}

bool RebalanceSchedule::due(int64_t step, double predictedBalancedness) const {
    if (!checkPoint(step)) return false;
    return threshold_ <= 0 || predictedBalancedness < threshold_;
}

double predictedBalancedness(const Placement& current, const std::vector<double>& forecast) {
    return meanBalancedness(current, forecast);
}

}  // namespace moe
