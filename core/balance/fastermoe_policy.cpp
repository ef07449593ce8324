// See fastermoe_policy.h. fastmoe's code has one expert per rank, so there B_i is simply the
// (i+1)-th largest expert load; with several experts per rank we recompute the rank loads.
#include "core/balance/fastermoe_policy.h"

#include <algorithm>
#include <numeric>

#include "core/balance/policy_util.h"
#include "core/common/error.h"

namespace moe {

std::vector<int> chooseShadows(const std::vector<double>& load, const Placement& base, int layer,
                               const FasterMoeOptions& o) {
    const int E = base.experts(), G = base.ranks();
    std::vector<int> order(E);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return load[a] > load[b]; });
    std::vector<double> rank = base.rankLoads(layer, load);
    auto latency = [&](double B, int shadows) {
        return 3 * o.compSeconds() * B + 4 * o.featSeconds() * B + shadows * o.shadowSeconds();
    };
    double reference = latency(*std::max_element(rank.begin(), rank.end()), 0);
    std::vector<int> chosen;
    for (int i = 0; i < E; ++i) {
        const int e = order[i];
        const auto& reps = base.replicas(layer, e);
        const auto& shares = base.shares(layer, e);
        for (size_t j = 0; j < reps.size(); ++j) rank[reps[j]] -= load[e] * shares[j];
        for (double& v : rank) v += load[e] / G;
        const double lat = latency(*std::max_element(rank.begin(), rank.end()), i + 1);
        if (!(lat < reference)) break;
        chosen.push_back(e);
        if (o.baseline == ShadowBaseline::Previous) reference = lat;
    }
    return chosen;
}

PolicyResult FasterMoePolicy::plan(const PolicyInput& input) {
    validatePolicyInput(input, name());
    const FasterMoeOptions& o = options_;
    if (!(o.hidden > 0 && o.alpha > 0 && o.flops > 0 && o.netBytesPerSec > 0 && o.dataBytes > 0))
        throw Error("fastermoe: hidden, alpha, flops, network bandwidth and bytes must be > 0");
    const Placement start = startingPlacement(input);
    const int G = input.cluster.ranks;
    PolicyResult r;
    r.placement = start;
    int total = 0;
    for (int l = 0; l < input.layers; ++l) {
        const std::vector<int> shadows = chooseShadows(layerLoads(input, l), start, l, o);
        total += static_cast<int>(shadows.size());
        for (int e : shadows) {
            for (int g = 0; g < G; ++g)
                if (!r.placement.hosts(l, e, g)) r.placement.addReplica(l, e, g);
            // Every rank computes its own tokens of a shadowed expert: equal shares.
            r.placement.setShares(l, e,
                                  std::vector<double>(r.placement.replicas(l, e).size(), 1.0));
        }
    }
    r.notes = std::to_string(total) + " experts shadowed over " + std::to_string(input.layers) +
              " layers";
    fillMovement(r, input);
    return r;
}

}  // namespace moe
