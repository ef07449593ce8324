// See migration_limit.h. The greedy choice costs M x (changed experts) x G per layer, small
// next to any policy it wraps. A move that alone would lower balancedness is never kept, so
// the limited placement is never worse than the current one under the forecast.
#include "core/balance/migration_limit.h"

#include <algorithm>

#include "core/balance/policy_util.h"
#include "core/common/error.h"
#include "core/stats/load_matrix.h"

namespace moe {
namespace {

std::vector<int> sortedReplicas(const Placement& p, int l, int e) {
    std::vector<int> r = p.replicas(l, e);
    std::sort(r.begin(), r.end());
    return r;
}

void addContribution(std::vector<double>& rank, const Placement& p, int l, int e, double load,
                     double sign) {
    const auto& reps = p.replicas(l, e);
    const auto& shares = p.shares(l, e);
    for (size_t i = 0; i < reps.size(); ++i) rank[reps[i]] += sign * load * shares[i];
}

void addSlots(std::vector<int>& slots, const Placement& p, int l, int e, int sign) {
    for (int r : p.replicas(l, e)) slots[r] += sign;
}

// A move may not push a rank that gains slots over its memory bound.
bool overflows(const std::vector<int>& after, const std::vector<int>& before, int memorySlots) {
    for (size_t r = 0; r < after.size(); ++r)
        if (after[r] > before[r] && after[r] > memorySlots) return true;
    return false;
}

// Which experts of layer l take the proposal (true) rather than the current placement.
std::vector<char> chooseMoves(const Placement& cur, const Placement& prop, int l,
                              const std::vector<double>& load, int maxMoves, int memorySlots) {
    const int E = cur.experts(), G = cur.ranks();
    std::vector<char> take(E, 0);
    std::vector<int> changed;
    for (int e = 0; e < E; ++e) {
        if (sortedReplicas(cur, l, e) == sortedReplicas(prop, l, e))
            take[e] = 1;
        else
            changed.push_back(e);
    }
    std::vector<double> rank(G, 0.0);
    std::vector<int> slots(G, 0);
    for (int e = 0; e < E; ++e) {
        addContribution(rank, take[e] ? prop : cur, l, e, load[e], 1);
        addSlots(slots, take[e] ? prop : cur, l, e, 1);
    }
    for (int k = 0; k < maxMoves; ++k) {
        double best = balancedness(rank);
        int bestE = -1;
        for (int e : changed) {
            if (take[e]) continue;
            std::vector<int> s = slots;
            addSlots(s, cur, l, e, -1);
            addSlots(s, prop, l, e, 1);
            if (overflows(s, slots, memorySlots)) continue;
            std::vector<double> trial = rank;
            addContribution(trial, cur, l, e, load[e], -1);
            addContribution(trial, prop, l, e, load[e], 1);
            const double b = balancedness(trial);
            if (b > best + 1e-12) best = b, bestE = e;
        }
        if (bestE < 0) break;
        take[bestE] = 1;
        addContribution(rank, cur, l, bestE, load[bestE], -1);
        addContribution(rank, prop, l, bestE, load[bestE], 1);
        addSlots(slots, cur, l, bestE, -1);
        addSlots(slots, prop, l, bestE, 1);
    }
    return take;
}

void copyExpert(Placement& out, const Placement& from, int l, int e) {
    for (int r : from.replicas(l, e)) out.addReplica(l, e, r, true);
    out.setShares(l, e, from.shares(l, e));
}

}  // namespace

PolicyResult limitMigration(const PolicyInput& input, PolicyResult proposed, int maxMoves) {
    const Placement* cur = input.current;
    if (!cur || maxMoves < 0) {
        fillMovement(proposed, input);
        return proposed;
    }
    const Placement prop = std::move(proposed.placement);
    PolicyResult r = std::move(proposed);
    if (cur->layers() != prop.layers() || cur->experts() != prop.experts() ||
        cur->ranks() != prop.ranks())
        throw Error("migration limit: the current placement's shape differs from the proposal's");
    const int memorySlots = memorySlotsPerRank(input);
    r.placement = Placement(prop.layers(), prop.experts(), prop.ranks());
    int reverted = 0;
    for (int l = 0; l < prop.layers(); ++l) {
        const std::vector<char> take =
            chooseMoves(*cur, prop, l, layerLoads(input, l), maxMoves, memorySlots);
        for (int e = 0; e < prop.experts(); ++e) {
            copyExpert(r.placement, take[e] ? prop : *cur, l, e);
            reverted += take[e] ? 0 : 1;
        }
    }
    if (reverted > 0) {
        r.slotExperts.clear();  // the slot map no longer describes the placement
        r.notes += (r.notes.empty() ? "" : "; ") + std::string("migration limit ") +
                   std::to_string(maxMoves) + " kept " + std::to_string(reverted) +
                   " expert placements as they were";
    }
    fillMovement(r, input);
    return r;
}

MigrationLimitedPolicy::MigrationLimitedPolicy(std::unique_ptr<Policy> inner, int maxMoves)
    : inner_(std::move(inner)), maxMoves_(maxMoves) {
    if (!inner_) throw Error("migration limit needs a policy to wrap");
}

std::string MigrationLimitedPolicy::name() const {
    return maxMoves_ >= 0 ? inner_->name() + "+max_moves=" + std::to_string(maxMoves_)
                          : inner_->name();
}

PolicyResult MigrationLimitedPolicy::plan(const PolicyInput& input) {
    const int limit = maxMoves_ >= 0 ? maxMoves_ : input.budget.maxMovedExperts;
    if (limit < 0) return inner_->plan(input);  // every policy fills its own movement
    return limitMigration(input, inner_->plan(input), limit);
}

}  // namespace moe
