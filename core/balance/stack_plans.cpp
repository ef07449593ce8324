// See stack_plans.h.
#include "core/balance/stack_plans.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/common/error.h"

namespace moe {

std::vector<std::vector<int>> physicalToLogical(const PolicyResult& plan) {
    if (!plan.slotExperts.empty()) return plan.slotExperts;
    const Placement& p = plan.placement;
    std::vector<std::vector<int>> out(static_cast<size_t>(p.layers()));
    for (int l = 0; l < p.layers(); ++l) {
        std::vector<std::vector<int>> perRank(static_cast<size_t>(p.ranks()));
        for (int e = 0; e < p.experts(); ++e)
            for (int r : p.replicas(l, e)) perRank[static_cast<size_t>(r)].push_back(e);
        for (const auto& slots : perRank)
            if (slots.size() != perRank.front().size()) {
                std::string counts;
                for (const auto& s : perRank)
                    counts += (counts.empty() ? "" : ", ") + std::to_string(s.size());
                throw Error("layer " + std::to_string(l) + ": the ranks hold " + counts +
                            " replicas; SGLang gives every GPU the same number of slots (plan "
                            "with eplb, or give the policy --slots)");
            }
        for (const auto& slots : perRank) out[l].insert(out[l].end(), slots.begin(), slots.end());
    }
    return out;
}

EplbMapsOut eplbMaps(const std::vector<std::vector<int>>& phy2log, int experts) {
    EplbMapsOut m;
    m.phy2log = phy2log;
    for (const auto& slots : phy2log) {
        std::vector<std::vector<int>> where(static_cast<size_t>(experts));
        for (size_t s = 0; s < slots.size(); ++s) where[slots[s]].push_back(static_cast<int>(s));
        size_t most = 0;
        for (const auto& w : where) most = std::max(most, w.size());
        std::vector<int> count;
        for (auto& w : where) {
            count.push_back(static_cast<int>(w.size()));
            w.resize(most, -1);
        }
        m.log2phy.push_back(std::move(where));
        m.logcnt.push_back(std::move(count));
    }
    return m;
}

std::string sglangExpertLocationJson(const PolicyResult& plan, const std::vector<double>& load,
                                     int layers, int experts) {
    nlohmann::json j;
    j["physical_to_logical_map"] = physicalToLogical(plan);
    std::vector<std::vector<int64_t>> count(static_cast<size_t>(layers));
    for (int l = 0; l < layers; ++l)
        for (int e = 0; e < experts; ++e)
            count[l].push_back(std::llround(load[static_cast<size_t>(l) * experts + e]));
    j["logical_count"] = count;
    return j.dump() + "\n";
}

}  // namespace moe
