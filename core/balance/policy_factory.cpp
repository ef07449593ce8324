// See policy_factory.h.
#include "core/balance/policy_factory.h"

#include <climits>

#include "core/balance/eplb.h"
#include "core/balance/fastermoe_policy.h"
#include "core/balance/gps_policy.h"
#include "core/balance/harmoeny_policy.h"
#include "core/balance/migration_limit.h"
#include "core/balance/moetuner_policy.h"
#include "core/balance/policy_spec.h"
#include "core/balance/simple_policies.h"
#include "core/common/error.h"

namespace moe {
namespace {

constexpr double kHuge = 1e300;

std::unique_ptr<Policy> makeGps(const PolicySpec& s) {
    s.allowOnly({"max_copies", "mem_slots", "min_gap", "max_moves"});
    GpsOptions o;
    o.maxCopies = s.integer("max_copies", 0, 0, INT_MAX);
    o.memorySlots = s.integer("mem_slots", 0, 0, INT_MAX);
    o.minGapTokens = s.number("min_gap", 1, 0, kHuge);
    return std::make_unique<GpsPolicy>(o);
}

std::unique_ptr<Policy> makeEplb(const PolicySpec& s) {
    s.allowOnly({"slots", "groups", "mode", "max_moves"});
    EplbOptions o;
    o.slots = s.integer("slots", 0, 0, INT_MAX);
    o.groups = s.integer("groups", 0, 0, INT_MAX);
    const std::string mode = s.choice("mode", "auto", {"auto", "global", "hierarchical"});
    o.mode = mode == "global"         ? EplbMode::Global
             : mode == "hierarchical" ? EplbMode::Hierarchical
                                      : EplbMode::Auto;
    return std::make_unique<EplbPolicy>(o);
}

std::unique_ptr<Policy> makeFasterMoe(const PolicySpec& s) {
    s.allowOnly({"hidden", "alpha", "tflops", "net_gbs", "bytes", "baseline", "max_moves"});
    FasterMoeOptions o;
    o.hidden = s.number("hidden", o.hidden, 1, kHuge);
    o.alpha = s.number("alpha", o.alpha, 1e-6, kHuge);
    o.flops = s.number("tflops", o.flops / 1e12, 1e-9, kHuge) * 1e12;
    o.netBytesPerSec = s.number("net_gbs", o.netBytesPerSec / 1e9, 1e-9, kHuge) * 1e9;
    o.dataBytes = s.number("bytes", o.dataBytes, 0.125, 64);
    o.baseline = s.choice("baseline", "previous", {"previous", "fixed"}) == "fixed"
                     ? ShadowBaseline::Fixed
                     : ShadowBaseline::Previous;
    return std::make_unique<FasterMoePolicy>(o);
}

std::unique_ptr<Policy> makeHarmoeny(const PolicySpec& s) {
    s.allowOnly({"token_us", "fetch_gbs", "max_copies", "min_tokens", "max_moves"});
    HarmoenyOptions o;
    o.tokenSeconds = s.number("token_us", o.tokenSeconds * 1e6, 1e-9, kHuge) * 1e-6;
    o.fetchGBs = s.number("fetch_gbs", o.fetchGBs, 0, kHuge);
    o.maxCopies = s.integer("max_copies", 0, 0, INT_MAX);
    o.minTokens = s.number("min_tokens", o.minTokens, 1e-9, kHuge);
    return std::make_unique<HarmoenyPolicy>(o);
}

std::unique_ptr<Policy> makeMoeTuner(const PolicySpec& s) {
    s.allowOnly({"gap", "time_limit", "mode", "max_moves"});
    MoeTunerOptions o;
    o.gap = s.number("gap", o.gap, 0, 1);
    o.timeLimitSeconds = s.number("time_limit", o.timeLimitSeconds, 0.01, kHuge);
    o.mode = s.choice("mode", "full", {"full", "balance"}) == "balance" ? MoeTunerMode::Balance
                                                                        : MoeTunerMode::Full;
    return std::make_unique<MoeTunerPolicy>(o);
}

}  // namespace

std::unique_ptr<Policy> makePolicy(const std::string& spec) {
    const PolicySpec s = PolicySpec::parse(spec);
    std::unique_ptr<Policy> p;
    if (s.name() == "contiguous" || s.name() == "round_robin") {
        s.allowOnly({"max_moves"});
        if (s.name() == "contiguous")
            p = std::make_unique<ContiguousPolicy>();
        else
            p = std::make_unique<RoundRobinPolicy>();
    } else if (s.name() == "gps") {
        p = makeGps(s);
    } else if (s.name() == "eplb") {
        p = makeEplb(s);
    } else if (s.name() == "fastermoe") {
        p = makeFasterMoe(s);
    } else if (s.name() == "harmoeny") {
        p = makeHarmoeny(s);
    } else if (s.name() == "moetuner") {
        p = makeMoeTuner(s);
    } else {
        throw Error("unknown policy '" + s.name() +
                    "' (known: contiguous, round_robin, gps, eplb, fastermoe, harmoeny, moetuner)");
    }
    // Always wrapped: without max_moves it defers to the budget's maxMovedExperts.
    return std::make_unique<MigrationLimitedPolicy>(std::move(p),
                                                    s.integer("max_moves", -1, 0, INT_MAX));
}

std::string policyHelp() {
    return "Policies (NAME or NAME:key=value,...; every policy also takes max_moves=M, at most M\n"
           "experts moved per layer per rebalance, default: the run's budget or no limit):\n"
           "  contiguous   experts 0..E/G-1 on rank 0, the next on rank 1, ... (the baseline)\n"
           "  round_robin  expert e on rank e mod G\n"
           "  gps          MoE-GPS Algorithm 1 duplication, uneven token shares\n"
           "               max_copies=0 (0 = budget), mem_slots=0 (0 = from memory budget),\n"
           "               min_gap=1 (tokens)\n"
           "  eplb         DeepSeek EPLB; hierarchical when groups % nodes == 0\n"
           "               slots=0 (0 = budget, else next multiple of ranks >= experts),\n"
           "               groups=0 (0 = budget), mode=auto|global|hierarchical\n"
           "  fastermoe    FasterMoE shadowing by its cost model\n"
           "               hidden=2048, alpha=2, tflops=11.5, net_gbs=6.25, bytes=4,\n"
           "               baseline=previous|fixed (previous = fastmoe's code; fixed = always\n"
           "               compare with the unshadowed latency)\n"
           "  harmoeny     HarMoEny token rescheduling with weight-fetch cost\n"
           "               token_us=1, fetch_gbs=0 (0 = cluster matrix, else 50),\n"
           "               max_copies=0, min_tokens=1\n"
           "  moetuner     MoETuner ILPs (COIN-OR CBC): ILP 1 balanced clusters per layer, ILP 2\n"
           "               cluster-to-rank mapping against the slowest inter-layer transfer\n"
           "               gap=0.025, time_limit=10 (seconds per ILP solve),\n"
           "               mode=full|balance (full needs per-token traces; balance = ILP 1 only)\n";
}

}  // namespace moe
