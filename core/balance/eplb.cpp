// See eplb.h. Tie-breaking follows the Python: torch's max returns the first maximal index,
// Python's min the first lightest pack, and the descending sort keeps equal weights in index
// order (a stable sort; eplb.py's torch sort is only guaranteed so for distinct weights).
#include "core/balance/eplb.h"

#include <algorithm>
#include <numeric>

#include "core/balance/policy_util.h"
#include "core/common/error.h"

namespace moe {
namespace {

// balanced_packing on one row of n items into `packs` packs of n / packs items each.
void balancedPacking(const std::vector<float>& w, int packs, std::vector<int>& packIndex,
                     std::vector<int>& rankInPack) {
    const int n = static_cast<int>(w.size()), perPack = n / packs;
    packIndex.assign(n, 0);
    rankInPack.assign(n, 0);
    if (perPack == 1) {
        std::iota(packIndex.begin(), packIndex.end(), 0);
        return;
    }
    std::vector<int> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return w[a] > w[b]; });
    std::vector<float> packWeight(packs, 0.0f);
    std::vector<int> packItems(packs, 0);
    for (int item : order) {
        int best = -1;
        for (int p = 0; p < packs; ++p)
            if (packItems[p] < perPack && (best < 0 || packWeight[p] < packWeight[best])) best = p;
        packIndex[item] = best;
        rankInPack[item] = packItems[best]++;
        packWeight[best] += w[item];
    }
}

// replicate_experts on one row: phy2log, replica rank of each slot, replicas per expert.
void replicateExperts(const std::vector<float>& w, int numPhy, std::vector<int>& phy2log,
                      std::vector<int>& rank, std::vector<int>& logcnt) {
    const int numLog = static_cast<int>(w.size());
    phy2log.resize(numPhy);
    std::iota(phy2log.begin(), phy2log.begin() + numLog, 0);
    rank.assign(numPhy, 0);
    logcnt.assign(numLog, 1);
    for (int i = numLog; i < numPhy; ++i) {
        int best = 0;
        float bestValue = w[0] / static_cast<float>(logcnt[0]);
        for (int e = 1; e < numLog; ++e) {
            const float v = w[e] / static_cast<float>(logcnt[e]);
            if (v > bestValue) best = e, bestValue = v;
        }
        phy2log[i] = best;
        rank[i] = logcnt[best]++;
    }
}

std::vector<int> inverse(const std::vector<int>& perm) {
    std::vector<int> inv(perm.size());
    for (size_t i = 0; i < perm.size(); ++i) inv[perm[i]] = static_cast<int>(i);
    return inv;
}

struct Shape {
    int E, P, groups, nodes, gpus;
    int groupSize() const { return E / groups; }
    int logPerNode() const { return E / nodes; }
    int phyPerNode() const { return P / nodes; }
    int phyPerGpu() const { return P / gpus; }
};

// Step 1 of rebalance_experts_hierarchical: groups packed onto nodes -> log2mlog.
std::vector<int> packGroups(const float* w, const Shape& s) {
    std::vector<float> perGroup(s.groups, 0.0f);
    for (int g = 0; g < s.groups; ++g)
        for (int j = 0; j < s.groupSize(); ++j) perGroup[g] += w[g * s.groupSize() + j];
    std::vector<int> pack, rankInPack;
    balancedPacking(perGroup, s.nodes, pack, rankInPack);
    std::vector<int> log2mlog(s.E);
    const int groupsPerNode = s.groups / s.nodes;
    for (int g = 0; g < s.groups; ++g)
        for (int j = 0; j < s.groupSize(); ++j)
            log2mlog[g * s.groupSize() + j] =
                (pack[g] * groupsPerNode + rankInPack[g]) * s.groupSize() + j;
    return log2mlog;
}

// Steps 2 and 3 for one node of one layer; writes that node's slots of the layer's maps.
void planNode(const float* w, const std::vector<int>& mlog2log, int node, const Shape& s,
              std::vector<int>& phy2logOut, std::vector<int>& phyRankOut,
              std::vector<int>& mlogcntOut) {
    const int nLog = s.logPerNode(), nPhy = s.phyPerNode(), base = node * nLog;
    std::vector<float> tokens(nLog);
    for (int i = 0; i < nLog; ++i) tokens[i] = w[mlog2log[base + i]];
    std::vector<int> phy2mlog, phyrank, mlogcnt;
    replicateExperts(tokens, nPhy, phy2mlog, phyrank, mlogcnt);
    std::vector<float> perPhy(nPhy);
    for (int p = 0; p < nPhy; ++p)
        perPhy[p] = tokens[phy2mlog[p]] / static_cast<float>(mlogcnt[phy2mlog[p]]);
    std::vector<int> pack, rankInPack;
    balancedPacking(perPhy, s.gpus / s.nodes, pack, rankInPack);
    std::vector<int> phy2pphy(nPhy);
    for (int p = 0; p < nPhy; ++p) phy2pphy[p] = pack[p] * s.phyPerGpu() + rankInPack[p];
    const std::vector<int> pphy2phy = inverse(phy2pphy);
    for (int q = 0; q < nPhy; ++q) {
        phy2logOut[node * nPhy + q] = mlog2log[phy2mlog[pphy2phy[q]] + base];
        phyRankOut[node * nPhy + q] = phyrank[pphy2phy[q]];
    }
    std::copy(mlogcnt.begin(), mlogcnt.end(), mlogcntOut.begin() + base);
}

void checkShape(const Shape& s) {
    auto need = [](bool ok, const std::string& what) {
        if (!ok) throw Error("eplb: " + what);
    };
    need(s.E > 0 && s.groups > 0 && s.nodes > 0 && s.gpus > 0, "sizes must be positive");
    need(s.E % s.groups == 0, std::to_string(s.E) + " experts do not split into " +
                                  std::to_string(s.groups) + " groups");
    need(s.groups % s.nodes == 0, std::to_string(s.groups) + " groups do not split over " +
                                      std::to_string(s.nodes) + " nodes");
    need(s.gpus % s.nodes == 0,
         std::to_string(s.gpus) + " GPUs do not split over " + std::to_string(s.nodes) + " nodes");
    need(s.P % s.gpus == 0,
         std::to_string(s.P) + " slots are not a multiple of " + std::to_string(s.gpus) + " GPUs");
    need(s.P >= s.E,
         std::to_string(s.P) + " slots cannot hold " + std::to_string(s.E) + " experts");
    // More slots than experts on every GPU only adds copies of an expert to a GPU that has it;
    // the bound also keeps a typo (slots=100000000) from allocating gigabytes of maps.
    need(int64_t{s.P} <= int64_t{s.E} * s.gpus,
         std::to_string(s.P) + " slots for " + std::to_string(s.E) + " experts on " +
             std::to_string(s.gpus) + " GPUs: at most experts x GPUs (" +
             std::to_string(int64_t{s.E} * s.gpus) + ") make sense");
}

}  // namespace

EplbMaps rebalanceExperts(const std::vector<double>& weight, int layers, int experts,
                          const EplbParams& params) {
    if (layers <= 0 || weight.size() != static_cast<size_t>(layers) * experts)
        throw Error("eplb: weight must be layers x experts");
    EplbMaps m;
    if (params.nodes <= 0 || params.groups <= 0) throw Error("eplb: sizes must be positive");
    // DeepSeek's rule; with one group on one node the hierarchical code is the global policy.
    const bool hier = params.groups % params.nodes == 0;
    m.hierarchical = hier && (params.groups > 1 || params.nodes > 1);
    const Shape s{experts, params.replicas, hier ? params.groups : 1, hier ? params.nodes : 1,
                  params.gpus};
    checkShape(s);
    const std::vector<float> w(weight.begin(), weight.end());
    m.phy2log.assign(layers, std::vector<int>(s.P));
    m.phyRank.assign(layers, std::vector<int>(s.P));
    m.logcnt.assign(layers, std::vector<int>(experts));
    int maxcnt = 1;
    for (int l = 0; l < layers; ++l) {
        const float* row = w.data() + static_cast<size_t>(l) * experts;
        const std::vector<int> log2mlog = packGroups(row, s);
        const std::vector<int> mlog2log = inverse(log2mlog);
        std::vector<int> mlogcnt(experts);
        for (int n = 0; n < s.nodes; ++n)
            planNode(row, mlog2log, n, s, m.phy2log[l], m.phyRank[l], mlogcnt);
        for (int e = 0; e < experts; ++e) {
            m.logcnt[l][e] = mlogcnt[log2mlog[e]];
            maxcnt = std::max(maxcnt, m.logcnt[l][e]);
        }
    }
    m.log2phy.assign(layers, std::vector<std::vector<int>>(experts, std::vector<int>(maxcnt, -1)));
    for (int l = 0; l < layers; ++l)
        for (int p = 0; p < s.P; ++p) m.log2phy[l][m.phy2log[l][p]][m.phyRank[l][p]] = p;
    return m;
}

Placement placementFromMaps(const EplbMaps& maps, int experts, int gpus) {
    const int layers = static_cast<int>(maps.phy2log.size());
    if (layers == 0) throw Error("eplb: no layers in the maps");
    const int perGpu = static_cast<int>(maps.phy2log[0].size()) / gpus;
    Placement p(layers, experts, gpus);
    for (int l = 0; l < layers; ++l)
        for (int e = 0; e < experts; ++e)
            for (int r = 0; r < maps.logcnt[l][e]; ++r)
                p.addReplica(l, e, maps.log2phy[l][e][r] / perGpu, true);
    return p;
}

PolicyResult EplbPolicy::plan(const PolicyInput& input) {
    validatePolicyInput(input, name());
    const int G = input.cluster.ranks;
    EplbParams params;
    params.gpus = G;
    params.replicas = options_.slots > 0 ? options_.slots : input.budget.slots;
    if (params.replicas <= 0) params.replicas = (input.experts + G - 1) / G * G;
    params.groups = options_.groups > 0 ? options_.groups : std::max(1, input.budget.groups);
    params.nodes = input.cluster.nodes;
    if (options_.mode == EplbMode::Global) params.groups = params.nodes = 1;
    if (options_.mode == EplbMode::Hierarchical && params.groups % params.nodes != 0)
        throw Error("eplb: hierarchical mode needs groups (" + std::to_string(params.groups) +
                    ") divisible by nodes (" + std::to_string(params.nodes) + ")");
    last_ = rebalanceExperts(input.load, input.layers, input.experts, params);
    PolicyResult r;
    r.placement = placementFromMaps(last_, input.experts, G);
    r.slotExperts = last_.phy2log;
    r.notes = std::string(last_.hierarchical ? "hierarchical" : "global") + " policy, " +
              std::to_string(params.replicas) + " slots";
    fillMovement(r, input);
    return r;
}

}  // namespace moe
