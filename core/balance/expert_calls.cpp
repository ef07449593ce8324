// See expert_calls.h.
#include "core/balance/expert_calls.h"

#include <algorithm>

namespace moe {

void expertCallsPerRank(const Placement& p, const LoadMatrix& loads, int layer,
                        std::vector<double>& calls) {
    calls.assign(static_cast<size_t>(p.ranks()), 0.0);
    std::vector<long long> bounds;
    for (int e = 0; e < p.experts(); ++e) {
        const long long n = loads.at(layer, e);
        const std::vector<int>& replicas = p.replicas(layer, e);
        if (replicas.size() == 1) {
            calls[replicas[0]] += n > 0;
            continue;
        }
        p.boundaries(layer, e, n, bounds);
        for (size_t i = 0; i < replicas.size(); ++i)
            if (bounds[i + 1] > bounds[i]) ++calls[replicas[i]];
    }
}

}  // namespace moe
