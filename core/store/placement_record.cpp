// See placement_record.h.
#include "core/store/placement_record.h"

namespace moe::store {

DecisionRecord decisionRecord(const Placement& p, int layer, int64_t step,
                              const std::string& policy, const LayerChange& change) {
    DecisionRecord d;
    d.step = step;
    d.layer = layer;
    d.policy = policy;
    for (int e = 0; e < p.experts(); ++e) {
        d.replicas.push_back(static_cast<int32_t>(p.replicas(layer, e).size()));
        for (int r : p.replicas(layer, e)) d.slotRanks.push_back(r);
    }
    d.balancednessBefore = change.balancednessBefore;
    d.balancednessAfter = change.balancednessAfter;
    d.movedExperts = change.movedExperts;
    d.movedBytes = static_cast<int64_t>(change.movedBytes);
    return d;
}

}  // namespace moe::store
