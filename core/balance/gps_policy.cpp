// See gps_policy.h. Where Algorithm 1 would copy an expert that the copy cap, the memory bound
// or the slot budget forbids, we skip to the hottest rank's next most popular expert, then to
// the next coldest rank; when no move is allowed at all the loop stops. Loads are rounded to
// whole tokens, so every move of ceil(gap / 2) < gap tokens lowers the sum of squared rank
// loads by at least one and the loop ends; an iteration cap guards it anyway.
#include "core/balance/gps_policy.h"

#include <algorithm>
#include <climits>
#include <cmath>

#include "core/balance/policy_util.h"
#include "core/balance/token_table.h"
#include "core/common/error.h"

namespace moe {
namespace {

struct GpsLimits {
    int copyCap = INT_MAX;
    int memorySlots = INT_MAX;
    int layerSlots = INT_MAX;
    double minGap = 1;
};

bool mayHost(const TokenTable& t, int e, int c, const GpsLimits& lim) {
    if (t.holds(e, c)) return true;
    return t.copies(e) < lim.copyCap && t.slots(c) < lim.memorySlots &&
           t.totalSlots() < lim.layerSlots;
}

// One step of Algorithm 1 with skipping; false when no move is allowed (or needed).
bool gpsStep(TokenTable& t, const GpsLimits& lim) {
    const int h = t.hottestRank();
    for (int c : t.ranksByLoad(h)) {
        const double gap = t.rankLoad(h) - t.rankLoad(c);
        if (gap <= lim.minGap) return false;  // colder ranks come first: no later c helps
        const double amount = std::ceil(gap / 2);
        for (int e : t.expertsByTokens(h)) {
            if (!mayHost(t, e, c, lim)) continue;
            t.move(e, h, c, std::min(amount, t.tokens(e, h)));
            return true;
        }
    }
    return false;
}

}  // namespace

PolicyResult GpsPolicy::plan(const PolicyInput& input) {
    validatePolicyInput(input, name());
    if (options_.minGapTokens < 0) throw Error("gps: min gap must be >= 0 tokens");
    const Placement start = startingPlacement(input);
    GpsLimits lim;
    lim.copyCap = copyCap(input, options_.maxCopies);
    lim.memorySlots = options_.memorySlots > 0 ? options_.memorySlots : memorySlotsPerRank(input);
    lim.layerSlots = input.budget.slots > 0 ? input.budget.slots : INT_MAX;
    lim.minGap = options_.minGapTokens;
    PolicyResult r;
    r.placement = Placement(input.layers, input.experts, input.cluster.ranks);
    const long long cap = 64LL * input.experts * input.cluster.ranks + 1000;
    long long capped = 0;
    for (int l = 0; l < input.layers; ++l) {
        const std::vector<double> load = layerLoads(input, l);
        requireTokenUnits(load, l, input.cluster.ranks, name());
        TokenTable t(start, l, load);
        long long it = 0;
        while (it < cap && gpsStep(t, lim)) ++it;
        capped += it == cap ? 1 : 0;
        t.writeLayer(r.placement, l);
    }
    if (capped > 0) r.notes = std::to_string(capped) + " layers hit the iteration cap";
    fillMovement(r, input);
    return r;
}

}  // namespace moe
