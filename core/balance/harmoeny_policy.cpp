// See harmoeny_policy.h. Moves are in whole tokens and never push the receiver above the
// average, so the total excess over the average falls by at least one token per move and the
// loop ends; when the heaviest expert may not move we try the rank's next heaviest, then the
// next coolest rank, and stop when nothing may move.
#include "core/balance/harmoeny_policy.h"

#include <algorithm>
#include <climits>
#include <cmath>

#include "core/balance/policy_util.h"
#include "core/balance/token_table.h"
#include "core/common/error.h"

namespace moe {
namespace {

constexpr double kDefaultFetchGBs = 50;  // one 400 Gb/s NIC per GPU

struct Limits {
    int copyCap = INT_MAX, memorySlots = INT_MAX, layerSlots = INT_MAX;
    double tokenSeconds = 0, minTokens = 1, expertBytes = 0;
    double fetchGBs = 0;
    const std::vector<double>* matrix = nullptr;
    int ranks = 0;

    double fetchSeconds(int from, int to) const {
        double gbs = fetchGBs > 0 ? fetchGBs : kDefaultFetchGBs;
        if (fetchGBs <= 0 && matrix && !matrix->empty()) gbs = (*matrix)[from * ranks + to];
        return gbs > 0 ? expertBytes / (gbs * 1e9) : 1e300;
    }
};

bool rescheduleStep(TokenTable& t, double avg, const Limits& lim) {
    const int h = t.hottestRank();
    if (t.rankLoad(h) - avg < lim.minTokens) return false;
    for (int c : t.ranksByLoad(h)) {
        const double room = std::floor(std::min(t.rankLoad(h) - avg, avg - t.rankLoad(c)));
        if (room < lim.minTokens) return false;  // cooler ranks came first
        for (int e : t.expertsByTokens(h)) {
            const double m = std::min(room, t.tokens(e, h));
            if (m < lim.minTokens) continue;
            if (!t.holds(e, c)) {
                if (t.copies(e) >= lim.copyCap || t.slots(c) >= lim.memorySlots ||
                    t.totalSlots() >= lim.layerSlots)
                    continue;
                if (lim.fetchSeconds(t.homeOf(e), c) >= m * lim.tokenSeconds) continue;
            }
            t.move(e, h, c, m);
            return true;
        }
    }
    return false;
}

}  // namespace

PolicyResult HarmoenyPolicy::plan(const PolicyInput& input) {
    validatePolicyInput(input, name());
    if (!(options_.tokenSeconds > 0) || options_.fetchGBs < 0 || !(options_.minTokens > 0))
        throw Error("harmoeny: token time and min tokens must be > 0, fetch bandwidth >= 0");
    Limits lim;
    lim.copyCap = copyCap(input, options_.maxCopies);
    lim.memorySlots = memorySlotsPerRank(input);
    lim.layerSlots = input.budget.slots > 0 ? input.budget.slots : INT_MAX;
    lim.tokenSeconds = options_.tokenSeconds;
    lim.minTokens = options_.minTokens;
    lim.expertBytes = static_cast<double>(input.expertBytes);
    lim.fetchGBs = options_.fetchGBs;
    lim.matrix = &input.cluster.bandwidthGBs;
    lim.ranks = input.cluster.ranks;
    const Placement start = startingPlacement(input);
    PolicyResult r;
    r.placement = Placement(input.layers, input.experts, input.cluster.ranks);
    const long long cap = 64LL * input.experts * input.cluster.ranks + 1000;
    for (int l = 0; l < input.layers; ++l) {
        const std::vector<double> load = layerLoads(input, l);
        requireTokenUnits(load, l, input.cluster.ranks, name());
        TokenTable t(start, l, load);
        double total = 0;
        for (int g = 0; g < t.ranks(); ++g) total += t.rankLoad(g);
        const double avg = total / t.ranks();
        for (long long it = 0; it < cap && rescheduleStep(t, avg, lim); ++it) {
        }
        t.writeLayer(r.placement, l);
    }
    fillMovement(r, input);
    return r;
}

}  // namespace moe
