// See placement_record.h.
#include "core/store/placement_record.h"

namespace moe::store {

DecisionRecord decisionRecord(const Placement& p, int layer, int64_t step,
                              const std::string& policy, double balancednessBefore,
                              double balancednessAfter, int64_t movedExperts, int64_t movedBytes) {
    DecisionRecord d;
    d.step = step;
    d.layer = layer;
    d.policy = policy;
    for (int e = 0; e < p.experts(); ++e) {
        d.replicas.push_back(static_cast<int32_t>(p.replicas(layer, e).size()));
        for (int r : p.replicas(layer, e)) d.slotRanks.push_back(r);
    }
    d.balancednessBefore = balancednessBefore;
    d.balancednessAfter = balancednessAfter;
    d.movedExperts = layer == 0 ? movedExperts : 0;
    d.movedBytes = layer == 0 ? movedBytes : 0;
    return d;
}

}  // namespace moe::store
