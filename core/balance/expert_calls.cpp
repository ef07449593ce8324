// See expert_calls.h.
#include "core/balance/expert_calls.h"

#include <algorithm>

namespace moe {

void expertCallsPerRank(const Placement& p, const LoadMatrix& loads, int layer,
                        std::vector<double>& calls) {
    calls.assign(static_cast<size_t>(p.ranks()), 0.0);
    std::vector<long long> bounds;
    std::vector<int> called;  // ranks already counted for this expert
    for (int e = 0; e < p.experts(); ++e) {
        const long long n = loads.at(layer, e);
        const std::vector<int>& replicas = p.replicas(layer, e);
        if (replicas.size() == 1) {
            calls[replicas[0]] += n > 0;
            continue;
        }
        p.boundaries(layer, e, n, bounds);
        called.clear();
        for (size_t i = 0; i < replicas.size(); ++i) {
            // Two slots of one expert on a rank (EPLB may place them) are one call there: the
            // rank runs all of an expert's rows together.
            const int r = replicas[i];
            if (bounds[i + 1] <= bounds[i] ||
                std::find(called.begin(), called.end(), r) != called.end())
                continue;
            called.push_back(r);
            ++calls[r];
        }
    }
}

}  // namespace moe
