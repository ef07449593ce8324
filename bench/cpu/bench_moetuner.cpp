// MoETuner's ILPs on the GPT-OSS-20B trace (24 layers x 32 experts, top-4) onto 4 and 8 ranks:
// time to the 2.5% gap, per layer for ILP 1 and for the whole ILP 2 (the default exact solve,
// and layer by layer with each step through CBC), with the gap reached, on one node (uniform
// NVLink) and on two nodes (InfiniBand between them, where the mapping matters most).
// Reference in the same run: EPLB's planning time for the same loads, so the times are also
// ratios. Usage: bench_moetuner [time_limit_seconds per solve, default 10]
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench/cpu/bench_util.h"
#include "core/balance/bandwidth.h"
#include "core/balance/eplb.h"
#include "core/balance/moetuner_policy.h"
#include "core/balance/policy_util.h"
#include "core/balance/transition_counts.h"
#include "core/experiment/workload_source.h"

using namespace moe;

namespace {

constexpr int kProfileSteps = 16;  // 16 x 4096 tokens of the trace

// ILP 2's objective for a placement without duplication: each rank's experts of a layer are
// one cluster (cluster = rank), so the mapping is the identity.
double slowestLinkSum(const PolicyInput& in, const Placement& p) {
    std::vector<std::vector<int>> of(in.layers, std::vector<int>(in.experts));
    for (int l = 0; l < in.layers; ++l)
        for (int e = 0; e < in.experts; ++e) of[l][e] = p.replicas(l, e)[0];
    MappingProblem mp;
    mp.layers = in.layers;
    mp.gpus = in.cluster.ranks;
    mp.traffic = clusterTraffic(*in.transitions, in.layers, in.experts, of, mp.gpus);
    mp.bandwidth = in.cluster.bandwidthGBs;
    std::vector<std::vector<int>> identity(in.layers, std::vector<int>(mp.gpus));
    for (auto& m : identity)
        for (int g = 0; g < mp.gpus; ++g) m[g] = g;
    return mappingCost(mp, identity);
}

PolicyInput makeInput(const RoutingProfile& prof, int ranks, const std::string& links) {
    PolicyInput in;
    in.layers = prof.layers;
    in.experts = prof.experts;
    in.load = prof.load;
    in.cluster.ranks = ranks;
    in.cluster.nodes = links == "2node_ib" ? 2 : 1;
    in.cluster.bandwidthGBs = BandwidthMatrix::preset(links, ranks).values();
    in.transitions = &prof.transitions.values();
    return in;
}

// ILP 2 again on MoETuner's clusters, each layer-by-layer step's ILP through CBC.
MappingResult cbcLayerByLayer(const PolicyInput& in, const MoeTunerReport& r, double limit) {
    std::vector<std::vector<int>> clusterOf;
    for (const auto& l : r.layers) clusterOf.push_back(l.clusterOf);
    MappingProblem mp;
    mp.layers = in.layers;
    mp.gpus = in.cluster.ranks;
    mp.traffic = clusterTraffic(*in.transitions, in.layers, in.experts, clusterOf, mp.gpus);
    mp.bandwidth = in.cluster.bandwidthGBs;
    MappingOptions o;
    o.method = MappingMethod::CbcLayerByLayer;
    o.milp.timeLimitSeconds = limit;
    return solveMappingIlp(mp, o);
}

void runCase(const RoutingProfile& prof, int ranks, const std::string& links, double limit) {
    const std::string tag = "g" + std::to_string(ranks) + "_" + links;
    const PolicyInput in = makeInput(prof, ranks, links);
    EplbPolicy eplb;
    PolicyResult eplbPlan;
    const double eplbSec = bench::medianSeconds([&] { eplbPlan = eplb.plan(in); }, 9);
    MoeTunerOptions o;
    o.timeLimitSeconds = limit;
    MoeTunerPolicy tuner(o);
    const PolicyResult plan = tuner.plan(in);
    const MoeTunerReport& r = tuner.lastReport();
    double worstLayer = 0;
    for (const auto& l : r.layers) worstLayer = std::max(worstLayer, l.seconds);
    const MappingResult viaCbc = cbcLayerByLayer(in, r, limit);
    std::printf("-- %d ranks, %s: %s\n   CBC steps: %s\n", ranks, links.c_str(), plan.notes.c_str(),
                viaCbc.describe().c_str());

    bench::report("eplb_plan_" + tag + "_ms", eplbSec * 1e3, "ms", "-");
    bench::report("ilp1_" + tag + "_per_layer_ms", r.balanceSeconds / in.layers * 1e3, "ms", "-");
    bench::report("ilp1_" + tag + "_worst_layer_ms", worstLayer * 1e3, "ms", "-");
    bench::report("ilp1_" + tag + "_worst_gap_pct", r.worstBalanceGap * 100, "%", "<=2.5");
    bench::report("ilp1_" + tag + "_per_layer_vs_eplb", r.balanceSeconds / in.layers / eplbSec,
                  "x_eplb", "-");
    bench::report("ilp2_" + tag + "_ms", r.mapping.seconds * 1e3, "ms", "-");
    bench::report("ilp2_" + tag + "_gap_pct", r.mapping.gap * 100, "%", "<=2.5");
    bench::report("ilp2_" + tag + "_vs_eplb", r.mapping.seconds / eplbSec, "x_eplb", "-");
    bench::report("ilp2_cbc_steps_" + tag + "_ms", viaCbc.seconds * 1e3, "ms", "-");
    bench::report("ilp2_cbc_steps_" + tag + "_gap_pct", viaCbc.gap * 100, "%", "-");
    bench::report("balancedness_" + tag + "_contiguous",
                  meanBalancedness(Placement::contiguous(in.layers, in.experts, ranks), in.load),
                  "ratio", "-");
    bench::report("balancedness_" + tag + "_moetuner", meanBalancedness(plan.placement, in.load),
                  "ratio", "-");
    bench::report("balancedness_" + tag + "_eplb", meanBalancedness(eplbPlan.placement, in.load),
                  "ratio", "-");
    const double contiguousLinks =
        slowestLinkSum(in, Placement::contiguous(in.layers, in.experts, ranks));
    bench::report("slowest_link_sum_" + tag + "_vs_contiguous", r.mapping.cost / contiguousLinks,
                  "ratio", "<1");
    bench::report("slowest_link_sum_" + tag + "_layer_by_layer_vs_optimum",
                  r.mapping.layerByLayerCost / r.mapping.cost, "ratio", "-");
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const double limit = argc > 1 ? std::atof(argv[1]) : 10.0;
        WorkloadOptions wo;
        wo.spec = "trace:gpt-oss-20b";
        wo.batching = Batching::Tokens;
        wo.tokensPerStep = 4096;
        auto workload = openWorkload(wo);
        const RoutingProfile prof = profileRouting(*workload, kProfileSteps);
        std::printf(
            "profile: %s, %lld steps, %lld tokens, %d layers x %d experts, top-%d; "
            "ILP gap 2.5%%, time limit %.3g s per solve\n",
            workload->describe().c_str(), static_cast<long long>(prof.steps),
            static_cast<long long>(prof.tokens), prof.layers, prof.experts, prof.topK, limit);
        for (int ranks : {4, 8})
            for (const char* links : {"nvlink4", "2node_ib"}) runCase(prof, ranks, links, limit);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
