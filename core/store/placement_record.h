// A placement decision as the store keeps it (one DecisionRecord per layer): shared by every
// front end that records rebalances, so the CLI and the GUI store the same rows.
#pragma once

#include <string>

#include "core/balance/placement.h"
#include "core/store/store_records.h"

namespace moe::store {

// Layer `layer` of `placement` as decided at `step`: replica counts and the rank of each slot
// (expert-major). Moved experts and bytes are whole-rebalance totals, kept on layer 0 only.
DecisionRecord decisionRecord(const Placement& placement, int layer, int64_t step,
                              const std::string& policy, double balancednessBefore,
                              double balancednessAfter, int64_t movedExperts, int64_t movedBytes);

}  // namespace moe::store
