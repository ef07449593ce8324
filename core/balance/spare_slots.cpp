// See spare_slots.h. Per layer: the policy's replica counts say how many copies each expert
// wants; in rounds, hottest per copy first, each extra copy goes to the least-loaded rank with
// a spare slot, unless it would become the slowest rank (a replica splits its expert's tokens
// evenly).
#include "core/balance/spare_slots.h"

#include <algorithm>
#include <numeric>

#include "core/common/error.h"

namespace moe {

namespace {

struct LayerFill {
    const Placement& planned;
    int layer;
    std::vector<int> spare;        // per rank
    std::vector<double> rankLoad;  // per rank, as replicas are added
    std::vector<int> copies;       // per expert, in the result
};

// The spare rank an extra copy of `expert` should go to: the one with the least load so far
// (ties: one the plan chose), or -1 when none has a spare slot or the copy would make that
// rank the new slowest (a replica that raises the maximum buys nothing).
int rankFor(const LayerFill& f, const Placement& result, int expert, double share) {
    const auto& planned = f.planned.replicas(f.layer, expert);
    int best = -1;
    for (int r = 0; r < static_cast<int>(f.spare.size()); ++r) {
        if (f.spare[r] <= 0 || result.hosts(f.layer, expert, r)) continue;
        const bool chosen = std::find(planned.begin(), planned.end(), r) != planned.end();
        if (best < 0 || f.rankLoad[r] < f.rankLoad[best] ||
            (f.rankLoad[r] == f.rankLoad[best] && chosen))
            best = r;
    }
    const double slowest = *std::max_element(f.rankLoad.begin(), f.rankLoad.end());
    return best >= 0 && f.rankLoad[best] + share < slowest ? best : -1;
}

// One more copy of `expert` on `rank`: every copy then carries load / copies.
void addCopy(Placement& result, LayerFill& f, int expert, int rank, double load) {
    const int c = f.copies[expert];
    for (int host : result.replicas(f.layer, expert)) f.rankLoad[host] -= load / c - load / (c + 1);
    result.addReplica(f.layer, expert, rank);
    --f.spare[rank];
    f.rankLoad[rank] += load / (c + 1);
    ++f.copies[expert];
}

void fillLayer(Placement& result, LayerFill& f, const double* load) {
    const int experts = result.experts();
    std::vector<int> order(static_cast<size_t>(experts));
    std::iota(order.begin(), order.end(), 0);
    for (int e = 0; e < experts; ++e) f.rankLoad[result.replicas(f.layer, e)[0]] += load[e];
    // Rounds: each round gives one more copy to every expert that still wants one, hottest
    // (per copy) first, so spare slots go where they cut the most load.
    for (bool added = true; added;) {
        added = false;
        std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
            return load[a] / f.copies[a] > load[b] / f.copies[b];
        });
        for (int e : order) {
            if (f.copies[e] >= static_cast<int>(f.planned.replicas(f.layer, e).size())) continue;
            const int r = rankFor(f, result, e, load[e] / (f.copies[e] + 1));
            if (r < 0) continue;
            addCopy(result, f, e, r, load[e]);
            added = true;
        }
    }
}

}  // namespace

Placement keepBaseFillSpare(const Placement& base, const Placement& planned, int slotsPerRank,
                            const std::vector<double>& load) {
    if (base.layers() != planned.layers() || base.experts() != planned.experts() ||
        base.ranks() != planned.ranks())
        throw Error("spare slots: the plan and the base placement differ in shape");
    if (load.size() != static_cast<size_t>(base.layers()) * base.experts())
        throw Error("spare slots: load is not layers x experts");
    Placement result = base;
    for (int l = 0; l < base.layers(); ++l) {
        LayerFill f{planned, l, std::vector<int>(static_cast<size_t>(base.ranks())),
                    std::vector<double>(static_cast<size_t>(base.ranks()), 0.0),
                    std::vector<int>(static_cast<size_t>(base.experts()), 1)};
        for (int r = 0; r < base.ranks(); ++r) {
            f.spare[r] = slotsPerRank - base.slotsOnRank(l, r);
            if (f.spare[r] < 0)
                throw Error("spare slots: the base placement puts " +
                            std::to_string(base.slotsOnRank(l, r)) + " experts on rank " +
                            std::to_string(r) + ", more than its " + std::to_string(slotsPerRank) +
                            " slots");
        }
        fillLayer(result, f, load.data() + static_cast<size_t>(l) * base.experts());
    }
    return result;
}

}  // namespace moe
