// See replay_placement.h.
#include "core/experiment/replay_placement.h"

namespace moe {

ReplayPlacement::ReplayPlacement(const MoeLayerConfig& layer, int layers, int ranks,
                                 const std::vector<std::string>& replicas)
    : layer_(layer), placement_(Placement::contiguous(layers, layer.experts, ranks)) {
    for (const std::string& spec : replicas) addReplicaSpec(placement_, spec);
}

void ReplayPlacement::setPlacement(const Placement& placement) {
    placement.validate();
    placement_ = placement;
}

void ReplayPlacement::replay(const Step& step, const LoadMatrix& loads, StepTelemetry& t) const {
    if (observer_) observer_(step);
    const int L = loads.layers(), E = loads.experts(), G = placement_.ranks();
    t.step = step.index;
    t.tokens = step.tokens;
    t.layers = L;
    t.ranks = G;
    t.loads = loads;
    t.dropped.assign(static_cast<size_t>(L), 0);
    t.rankRows.assign(static_cast<size_t>(L) * G, 0);
    t.rankBusySeconds.assign(static_cast<size_t>(L) * G, 0.0);
    t.wallSeconds = 0;
    std::vector<long long> bounds;  // one replicated expert's row ranges
    for (int l = 0; l < L; ++l)
        for (int e = 0; e < E; ++e) {
            const long long n = loads.at(l, e);
            const std::vector<int>& replicas = placement_.replicas(l, e);
            if (replicas.size() == 1) {  // most experts: every row to the one copy
                t.rankRows[static_cast<size_t>(l) * G + replicas[0]] += n;
                continue;
            }
            placement_.boundaries(l, e, n, bounds);
            for (size_t i = 0; i < replicas.size(); ++i)
                t.rankRows[static_cast<size_t>(l) * G + replicas[i]] += bounds[i + 1] - bounds[i];
        }
}

}  // namespace moe
