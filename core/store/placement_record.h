// A placement decision as the store keeps it (one DecisionRecord per layer): shared by every
// front end that records rebalances, so the CLI and the GUI store the same rows.
#pragma once

#include <string>

#include "core/balance/placement.h"
#include "core/balance/policy_util.h"
#include "core/store/store_records.h"

namespace moe::store {

// Layer `layer` of `placement` as decided at `step`: replica counts and the rank of each slot
// (expert-major), and that layer's own change (RebalanceEvent::layers[layer]). Each row holds
// its layer's figures, so a run's totals are sums (moved experts, bytes) or means
// (balancedness) over its rows, and a per-layer export shows which layers moved.
DecisionRecord decisionRecord(const Placement& placement, int layer, int64_t step,
                              const std::string& policy, const LayerChange& change);

}  // namespace moe::store
