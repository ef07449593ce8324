// See moetuner_policy.h.
#include "core/balance/moetuner_policy.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "core/balance/policy_util.h"
#include "core/common/error.h"

namespace moe {
namespace {

void checkInput(const PolicyInput& in, const MoeTunerOptions& o) {
    validatePolicyInput(in, "moetuner");
    if (in.experts < in.cluster.ranks)
        throw Error("policy moetuner: " + std::to_string(in.experts) + " experts cannot give " +
                    std::to_string(in.cluster.ranks) + " ranks one expert each");
    if (o.mode != MoeTunerMode::Full) return;
    if (!in.transitions)
        throw Error(
            "policy moetuner (mode=full) needs per-token traces: ILP 2 places clusters by the "
            "tokens that go from each expert to each expert of the next layer (MoETuner's R), "
            "which load counts cannot give. Plan from a per-token trace workload, or use "
            "moetuner:mode=balance for ILP 1 alone");
    const size_t want = static_cast<size_t>(in.layers - 1) * in.experts * in.experts;
    if (in.transitions->size() != want)
        throw Error("policy moetuner: transitions have " + std::to_string(in.transitions->size()) +
                    " values, expected (layers - 1) x experts x experts = " + std::to_string(want));
}

std::string balanceNotes(const MoeTunerReport& r) {
    int counts[6] = {0, 0, 0, 0, 0, 0};
    for (const auto& l : r.layers) ++counts[static_cast<int>(l.status)];
    char buf[320];
    std::snprintf(buf, sizeof buf,
                  "ILP 1: %zu layers: %d optimal, %d gap reached, %d time limit, %d without a "
                  "solution (greedy kept); worst gap %.2f%% of the mean cluster load; %.2f s",
                  r.layers.size(), counts[static_cast<int>(MilpStatus::Optimal)],
                  counts[static_cast<int>(MilpStatus::GapReached)],
                  counts[static_cast<int>(MilpStatus::TimeLimit)],
                  static_cast<int>(r.layers.size()) - counts[0] - counts[1] - counts[2],
                  r.worstBalanceGap * 100, r.balanceSeconds);
    return buf;
}

}  // namespace

PolicyResult MoeTunerPolicy::plan(const PolicyInput& input) {
    checkInput(input, options_);
    const int g = input.cluster.ranks;
    MilpOptions milp;
    milp.relativeGap = options_.gap;
    milp.timeLimitSeconds = options_.timeLimitSeconds;
    report_ = MoeTunerReport{};
    std::vector<std::vector<int>> clusterOf;
    for (int l = 0; l < input.layers; ++l) {
        const std::vector<double> load = layerLoads(input, l);
        report_.layers.push_back(solveBalanceIlp(load, g, milp));
        clusterOf.push_back(report_.layers.back().clusterOf);
        report_.balanceSeconds += report_.layers.back().seconds;
        report_.worstBalanceGap = std::max(report_.worstBalanceGap, report_.layers.back().gap);
    }
    std::vector<std::vector<int>> gpuOf(input.layers, std::vector<int>(g));
    for (auto& m : gpuOf)
        for (int c = 0; c < g; ++c) m[c] = c;
    PolicyResult r;
    r.notes = "moetuner " + std::string(options_.mode == MoeTunerMode::Full ? "full" : "balance") +
              ": " + balanceNotes(report_);
    if (options_.mode == MoeTunerMode::Full && input.layers > 1) {
        MappingProblem mp;
        mp.layers = input.layers;
        mp.gpus = g;
        mp.traffic = clusterTraffic(*input.transitions, input.layers, input.experts, clusterOf, g);
        mp.bandwidth = input.cluster.bandwidthGBs;
        MappingOptions mo;
        mo.milp = milp;
        mo.jointPairs = options_.jointPairs;
        mo.method = options_.mappingMethod;
        mo.products = options_.products;
        report_.mapping = solveMappingIlp(mp, mo);
        report_.mapped = true;
        gpuOf = report_.mapping.gpuOf;
        r.notes += "; " + report_.mapping.describe();
    }
    if (input.budget.slots > input.experts)
        r.notes += "; MoETuner does not duplicate: the spare slots stay empty";
    r.placement = Placement(input.layers, input.experts, g);
    for (int l = 0; l < input.layers; ++l)
        for (int e = 0; e < input.experts; ++e)
            r.placement.addReplica(l, e, gpuOf[l][clusterOf[l][e]]);
    fillMovement(r, input);
    return r;
}

}  // namespace moe
