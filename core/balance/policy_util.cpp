// See policy_util.h.
#include "core/balance/policy_util.h"

#include <algorithm>
#include <cmath>

#include "core/common/error.h"
#include "core/stats/load_matrix.h"

namespace moe {

void validatePolicyInput(const PolicyInput& input, const std::string& policy) {
    const std::string who = "policy " + policy + ": ";
    if (input.layers <= 0 || input.experts <= 0)
        throw Error(who + "needs at least one layer and one expert");
    if (input.cluster.ranks <= 0) throw Error(who + "needs at least one rank");
    if (input.cluster.nodes <= 0 || input.cluster.ranks % input.cluster.nodes != 0)
        throw Error(who + std::to_string(input.cluster.ranks) + " ranks do not split evenly over " +
                    std::to_string(input.cluster.nodes) + " nodes");
    const size_t want = static_cast<size_t>(input.layers) * input.experts;
    if (input.load.size() != want)
        throw Error(who + "load has " + std::to_string(input.load.size()) + " values, expected " +
                    std::to_string(input.layers) + " layers x " + std::to_string(input.experts) +
                    " experts = " + std::to_string(want));
    for (double v : input.load)
        if (!std::isfinite(v) || v < 0) throw Error(who + "loads must be finite and >= 0");
    if (!input.cluster.bandwidthGBs.empty() &&
        input.cluster.bandwidthGBs.size() !=
            static_cast<size_t>(input.cluster.ranks) * input.cluster.ranks)
        throw Error(who + "the bandwidth matrix must be ranks x ranks");
}

Placement startingPlacement(const PolicyInput& input) {
    const Placement* c = input.current;
    if (c && c->layers() == input.layers && c->experts() == input.experts &&
        c->ranks() == input.cluster.ranks)
        return *c;
    return Placement::contiguous(input.layers, input.experts, input.cluster.ranks);
}

std::vector<double> layerLoads(const PolicyInput& input, int layer) {
    const double scale = input.tokensPerLayer > 0 ? input.tokensPerLayer : 1.0;
    std::vector<double> out(input.experts);
    for (int e = 0; e < input.experts; ++e) out[e] = input.loadAt(layer, e) * scale;
    return out;
}

void requireTokenUnits(const std::vector<double>& load, int layer, int ranks,
                       const std::string& policy) {
    double total = 0;
    for (double v : load) total += v;
    if (total > 0 && total < ranks)
        throw Error(policy + " works in whole tokens, but layer " + std::to_string(layer) +
                    "'s load sums to " + std::to_string(total) +
                    ": pass token counts, or set tokensPerLayer when the load holds shares");
}

int memorySlotsPerRank(const PolicyInput& input) {
    if (input.budget.memoryPerRankBytes <= 0 || input.expertBytes == 0) return INT_MAX;
    const double slots =
        std::floor(input.budget.memoryPerRankBytes / static_cast<double>(input.expertBytes));
    return slots >= INT_MAX ? INT_MAX : static_cast<int>(slots);
}

int copyCap(const PolicyInput& input, int override) {
    if (override > 0) return override;
    if (input.budget.maxCopiesPerExpert > 0) return input.budget.maxCopiesPerExpert;
    return input.cluster.ranks;
}

namespace {

// Placement::movedExperts / addedReplicas for one expert, with a fast path for the common
// case of an untouched replica list (no copies, no sorting).
bool sameReplicas(const std::vector<int>& a, const std::vector<int>& b) {
    if (a == b) return true;
    if (a.size() != b.size()) return false;
    std::vector<int> x = a, y = b;
    std::sort(x.begin(), x.end());
    std::sort(y.begin(), y.end());
    return x == y;
}

int gainedReplicas(const std::vector<int>& now, std::vector<int> before) {
    int added = 0;
    for (int r : now) {
        const auto it = std::find(before.begin(), before.end(), r);
        if (it == before.end())
            ++added;
        else
            before.erase(it);  // a rank keeping a replica moves nothing
    }
    return added;
}

}  // namespace

void fillMovement(PolicyResult& result, const PolicyInput& input) {
    result.movedExperts.assign(input.layers, 0);
    result.movedBytes = 0;
    const Placement* c = input.current;
    const Placement& p = result.placement;
    if (!c || c->layers() != input.layers || c->experts() != input.experts ||
        c->ranks() != p.ranks())
        return;
    size_t added = 0;
    for (int l = 0; l < input.layers; ++l)
        for (int e = 0; e < input.experts; ++e) {
            const auto& now = p.replicas(l, e);
            const auto& before = c->replicas(l, e);
            if (sameReplicas(now, before)) continue;
            ++result.movedExperts[l];
            added += static_cast<size_t>(gainedReplicas(now, before));
        }
    result.movedBytes = added * input.expertBytes;
}

std::vector<LayerChange> layerChanges(const Placement& before, const Placement& after,
                                      const std::vector<double>& load, size_t expertBytes) {
    const int L = after.layers(), E = after.experts();
    if (before.layers() != L || before.experts() != E || before.ranks() != after.ranks())
        throw Error("placement change: the placements have different shapes");
    if (load.size() != static_cast<size_t>(L) * E)
        throw Error("placement change: load has " + std::to_string(load.size()) +
                    " values, the placement has " + std::to_string(L) + " x " + std::to_string(E));
    std::vector<LayerChange> out(L);
    for (int l = 0; l < L; ++l) {
        const std::vector<double> layer(load.begin() + static_cast<ptrdiff_t>(l) * E,
                                        load.begin() + static_cast<ptrdiff_t>(l + 1) * E);
        LayerChange& c = out[l];
        c.balancednessBefore = balancedness(before.rankLoads(l, layer));
        c.balancednessAfter = balancedness(after.rankLoads(l, layer));
        size_t added = 0;
        for (int e = 0; e < E; ++e) {
            if (sameReplicas(after.replicas(l, e), before.replicas(l, e))) continue;
            ++c.movedExperts;
            added +=
                static_cast<size_t>(gainedReplicas(after.replicas(l, e), before.replicas(l, e)));
        }
        c.movedBytes = added * expertBytes;
    }
    return out;
}

double meanBalancedness(const Placement& placement, const std::vector<double>& load) {
    const int L = placement.layers(), E = placement.experts();
    if (load.size() != static_cast<size_t>(L) * E)
        throw Error("balancedness: load has " + std::to_string(load.size()) +
                    " values, the placement has " + std::to_string(L) + " x " + std::to_string(E));
    double sum = 0;
    for (int l = 0; l < L; ++l) {
        const std::vector<double> layer(load.begin() + static_cast<ptrdiff_t>(l) * E,
                                        load.begin() + static_cast<ptrdiff_t>(l + 1) * E);
        sum += balancedness(placement.rankLoads(l, layer));
    }
    return sum / L;
}

}  // namespace moe
