// Migration-aware rebalancing for any policy: users of vLLM and EPLB ask for a rebalance that
// moves at most M experts instead of reshuffling everything. Of the experts whose replica set
// a proposal changes, the M that raise balancedness most (chosen greedily, each against the
// moves already kept) take their new replicas; the rest stay as they are now.
#pragma once

#include <memory>

#include "core/balance/policy.h"

namespace moe {

// Limits `proposed` to at most `maxMoves` moved experts per layer against input.current
// (input.load scores the moves; memory bounds of input.budget are kept). Experts whose
// replica set is unchanged take the proposal's shares, which move no weights. Fills the
// result's moved experts and bytes. Without input.current, returns the proposal as it is.
PolicyResult limitMigration(const PolicyInput& input, PolicyResult proposed, int maxMoves);

// Wraps a policy: `maxMoves` >= 0 overrides input.budget.maxMovedExperts; -1 defers to it,
// and a negative budget means no limit.
class MigrationLimitedPolicy : public Policy {
public:
    MigrationLimitedPolicy(std::unique_ptr<Policy> inner, int maxMoves = -1);
    std::string name() const override;
    PolicyResult plan(const PolicyInput& input) override;
    bool needsTransitions() const override { return inner_->needsTransitions(); }
    Policy& inner() { return *inner_; }

private:
    std::unique_ptr<Policy> inner_;
    int maxMoves_;
};

}  // namespace moe
