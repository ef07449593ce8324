// `plan`: decide a placement with a policy from a workload's (or a CSV's) expert loads and
// show it: rank -> experts with replica counts, balancedness before (contiguous) and after,
// moved experts and weight bytes, as a table, JSON or CSV.
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "app/cli/commands.h"
#include "app/cli/option_checks.h"
#include "app/cli/text_table.h"
#include "app/cli/workload_flags.h"
#include "core/balance/bandwidth.h"
#include "core/balance/policy_factory.h"
#include "core/balance/policy_util.h"
#include "core/balance/stack_plans.h"
#include "core/balance/transition_counts.h"
#include "core/common/error.h"
#include "core/common/output_file.h"
#include "core/stats/loads_csv_reader.h"
#include "core/stats/workload_stats.h"

namespace moe::cli {
namespace {

struct PlanFlags {
    WorkloadFlags workload;
    std::string loadsCsv;
    std::string policy = "eplb";
    int ranks = 4, slots = 0, nodes = 1, groups = 1, maxMoves = -1, maxCopies = 0;
    int64_t steps = 0;
    uint64_t seed = 1;
    double expertMiB = 0, memoryMiB = 0;
    int hidden = 0, ffn = 0;  // model dimensions for the expert size (0 = not given)
    std::string bandwidth;
    std::string format = "table";
    std::string out;
    std::optional<int> showLayer;
};

// Weights of one expert: --expert-mib, else SwiGLU's three H x F float32 matrices as `run`
// and the workbench size them; 0 when neither is given (moved bytes are then unknown).
size_t expertBytesOf(const PlanFlags& f) {
    if (f.expertMiB > 0) return static_cast<size_t>(f.expertMiB * 1024 * 1024);
    if (f.hidden > 0 && f.ffn > 0) return 3ull * f.hidden * f.ffn * sizeof(float);
    return 0;
}

bool anyMoved(const PolicyResult& r) {
    for (int m : r.movedExperts)
        if (m > 0) return true;
    return false;
}

std::string rankExperts(const Placement& p, int layer, int rank) {
    std::string s;
    for (int e = 0; e < p.experts(); ++e) {
        int copies = 0;
        for (int r : p.replicas(layer, e)) copies += r == rank ? 1 : 0;
        if (!copies) continue;
        const size_t reps = p.replicas(layer, e).size();
        s += (s.empty() ? "" : " ") + std::to_string(e) +
             (reps > 1 ? "x" + std::to_string(reps) : "") +
             (copies > 1 ? "(" + std::to_string(copies) + " here)" : "");
    }
    return s;
}

void writeTable(std::ostream& o, const PolicyInput& in, const Placement& before,
                const PolicyResult& r, int showLayer) {
    // Without an expert size the bytes of moved experts are unknown, not zero.
    const bool bytesUnknown = in.expertBytes == 0 && anyMoved(r);
    TextTable t({"layer", "balancedness before", "after", "replicas", "moved experts"});
    double sumB = 0, sumA = 0;
    for (int l = 0; l < in.layers; ++l) {
        const auto load = layerLoads(in, l);
        const double b = balancedness(before.rankLoads(l, load)),
                     a = balancedness(r.placement.rankLoads(l, load));
        sumB += b;
        sumA += a;
        t.addRow({std::to_string(l), fixed(b, 3), fixed(a, 3),
                  std::to_string(r.placement.totalReplicas(l)),
                  std::to_string(r.movedExperts.empty() ? 0 : r.movedExperts[l])});
    }
    t.print(o);
    o << "\nmean balancedness: " << fixed(sumB / in.layers, 3) << " (contiguous) -> "
      << fixed(sumA / in.layers, 3) << "; weight bytes to move: "
      << (bytesUnknown ? "unknown (give --expert-mib, or --hidden and --ffn)"
                       : grouped(static_cast<long long>(r.movedBytes)))
      << "\n";
    if (!r.notes.empty()) o << "notes: " << r.notes << "\n";
    for (int l = showLayer; l == showLayer; ++l) {
        o << "\nlayer " << l << " placement (expert xN = N replicas in all):\n";
        TextTable p({"rank", "experts", "tokens"});
        const auto loads = r.placement.rankLoads(l, layerLoads(in, l));
        for (int g = 0; g < r.placement.ranks(); ++g)
            p.addRow({std::to_string(g), rankExperts(r.placement, l, g), fixed(loads[g], 0)});
        p.print(o);
    }
}

void writeCsv(std::ostream& o, const PolicyInput& in, const PolicyResult& r) {
    o << "layer,expert,replica,rank,share,expert_tokens\n";
    for (int l = 0; l < in.layers; ++l)
        for (int e = 0; e < in.experts; ++e) {
            const auto& reps = r.placement.replicas(l, e);
            const auto& shares = r.placement.shares(l, e);
            for (size_t i = 0; i < reps.size(); ++i)
                o << l << ',' << e << ',' << i << ',' << reps[i] << ',' << shares[i] << ','
                  << in.loadAt(l, e) << '\n';
        }
}

void writeJson(std::ostream& o, const PolicyInput& in, const Placement& before,
               const PolicyResult& r, const std::string& policy) {
    nlohmann::json j;
    j["policy"] = policy;
    j["ranks"] = in.cluster.ranks;
    if (in.expertBytes == 0 && anyMoved(r))
        j["moved_bytes"] = nullptr;  // unknown without an expert size
    else
        j["moved_bytes"] = r.movedBytes;
    j["notes"] = r.notes;
    for (int l = 0; l < in.layers; ++l) {
        const auto load = layerLoads(in, l);
        nlohmann::json layer{{"layer", l},
                             {"balancedness_before", balancedness(before.rankLoads(l, load))},
                             {"balancedness_after", balancedness(r.placement.rankLoads(l, load))},
                             {"moved_experts", r.movedExperts.empty() ? 0 : r.movedExperts[l]}};
        for (int e = 0; e < in.experts; ++e)
            layer["experts"].push_back({{"expert", e},
                                        {"ranks", r.placement.replicas(l, e)},
                                        {"shares", r.placement.shares(l, e)}});
        j["layers"].push_back(layer);
    }
    // DeepSeek EPLB's maps, for slot-based plans (or any plan with equal slots per rank).
    try {
        const EplbMapsOut m = eplbMaps(physicalToLogical(r), in.experts);
        j["phy2log"] = m.phy2log;
        j["log2phy"] = m.log2phy;
        j["logcnt"] = m.logcnt;
    } catch (const Error& e) {
        j["phy2log"] = nullptr;
        j["phy2log_why_not"] = e.what();
    }
    o << j.dump(2) << '\n';
}

// The loads to plan for (and MoETuner's transitions, for policies that use them): from the
// loads CSV, or summed over the workload's steps.
void readLoads(const PlanFlags& f, const Policy& policy, PolicyInput& in,
               TransitionCounts& transitions) {
    // MoETuner's R (tokens from each expert to each expert of the next layer), counted from
    // the same steps as the loads, in the same units (pairs); only for policies that use it.
    if (!f.loadsCsv.empty()) {
        if (policy.needsTransitions())
            throw Error("policy " + f.policy +
                        " needs per-token routing (the tokens that go from each expert to each "
                        "expert of the next layer), which a loads CSV (--loads " +
                        f.loadsCsv +
                        ") does not have: plan from a workload (--workload), or use "
                        "moetuner:mode=balance");
        const LoadMatrix loads = readLoadsCsv(f.loadsCsv);
        in.layers = loads.layers();
        in.experts = loads.experts();
        in.load.assign(loads.all().begin(), loads.all().end());
        return;
    }
    auto w = openWorkload(f.workload.options(f.steps, f.seed));
    if (policy.needsTransitions()) {
        RoutingProfile profile = profileRouting(*w, f.steps);
        in.layers = profile.layers;
        in.experts = profile.experts;
        in.load = std::move(profile.load);
        transitions = std::move(profile.transitions);
        in.transitions = &transitions.values();
        return;
    }
    const LoadMatrix loads = computeWorkloadStats(*w, f.steps).totals;
    in.layers = loads.layers();
    in.experts = loads.experts();
    in.load.assign(loads.all().begin(), loads.all().end());
}

// The cluster and budgets of the flags, checked against the loads' shape.
void applyClusterAndBudget(const PlanFlags& f, PolicyInput& in) {
    in.cluster.ranks = f.ranks;
    in.cluster.nodes = f.nodes;
    if (!f.bandwidth.empty())
        in.cluster.bandwidthGBs = BandwidthMatrix::preset(f.bandwidth, f.ranks).values();
    in.budget.slots = f.slots;
    in.budget.groups = f.groups;
    in.budget.maxMovedExperts = f.maxMoves;
    in.budget.maxCopiesPerExpert = f.maxCopies;
    in.expertBytes = expertBytesOf(f);
    in.budget.memoryPerRankBytes = f.memoryMiB * 1024 * 1024;
    if (f.ranks > in.experts)
        throw Error(std::to_string(f.ranks) + " ranks but only " + std::to_string(in.experts) +
                    " experts");
}

int execute(const PlanFlags& f) {
    auto policy = makePolicy(f.policy);  // a bad spec fails before the workload is read
    PolicyInput in;
    TransitionCounts transitions;
    readLoads(f, *policy, in, transitions);
    const int showLayer = f.showLayer.value_or(0);
    if (showLayer < 0 || showLayer >= in.layers)
        throw Error("--layer " + std::to_string(showLayer) + ": " +
                    (f.loadsCsv.empty() ? "the workload has " : f.loadsCsv + " has ") +
                    std::to_string(in.layers) + " layers (0.." + std::to_string(in.layers - 1) +
                    ")");
    applyClusterAndBudget(f, in);
    const Placement before = Placement::contiguous(in.layers, in.experts, f.ranks);
    in.current = &before;
    // CBC can take a while (each layer's ILP 1 may run to its time limit): say what the wait is.
    if (policy->name().rfind("moetuner", 0) == 0)
        std::cerr << "policy " << f.policy << ": solving MoETuner's ILPs with CBC, " << in.layers
                  << " layers x " << in.experts << " experts on " << f.ranks
                  << " ranks; each solve stops at time_limit (10 s unless the spec sets it)..."
                  << std::endl;
    const PolicyResult r = policy->plan(in);
    r.placement.validate();
    // Into memory first, then written whole (core/common/output_file.h): a failed write never
    // leaves a truncated plan behind.
    std::ostringstream file;
    std::ostream& o = f.out.empty() ? std::cout : file;
    if (f.format == "json")
        writeJson(o, in, before, r, f.policy);
    else if (f.format == "sglang")
        o << sglangExpertLocationJson(r, in.load, in.layers, in.experts);
    else if (f.format == "csv")
        writeCsv(o, in, r);
    else {
        o << "policy " << f.policy << " on " << f.ranks << " ranks (" << f.nodes << " node"
          << (f.nodes > 1 ? "s" : "") << "), " << in.layers << " layers x " << in.experts
          << " experts" << (f.slots ? ", " + std::to_string(f.slots) + " slots" : "") << "\n\n";
        writeTable(o, in, before, r, showLayer);
    }
    if (!f.out.empty()) writeOutputFile(f.out, file.str());
    return 0;
}

}  // namespace

Action addPlanCommand(CLI::App& app) {
    auto f = std::make_shared<PlanFlags>();
    CLI::App* cmd =
        app.add_subcommand("plan", "Decide expert placement and duplication with a policy");
    f->workload.addTo(*cmd, "tokens");
    cmd->add_option("--loads", f->loadsCsv,
                    "Plan from a CSV of loads (rows layer,expert,tokens or "
                    "step,layer,expert,tokens) instead of a workload");
    cmd->add_option("-P,--policy", f->policy, "Policy: " + policyHelp())->capture_default_str();
    cmd->add_option("-G,--ranks", f->ranks, "Ranks (GPUs)")
        ->check(inRange(1, 65536))
        ->capture_default_str();
    cmd->add_option("--slots", f->slots,
                    "Expert slots per layer over all ranks (0 = one per expert)")
        ->check(nonNegative<int>("one per expert"));
    cmd->add_option("--nodes", f->nodes, "Nodes the ranks are spread over")
        ->check(positive<int>())
        ->capture_default_str();
    cmd->add_option("--groups", f->groups,
                    "Expert groups (EPLB is hierarchical when groups divide evenly over nodes)")
        ->check(positive<int>())
        ->capture_default_str();
    cmd->add_option("--max-moves", f->maxMoves,
                    "Move at most this many experts per layer (-1 = any)")
        ->check(atLeast(-1, "-1 = any"))
        ->capture_default_str();
    cmd->add_option("--max-copies", f->maxCopies, "Replicas per expert at most (0 = no cap)")
        ->check(nonNegative<int>("no cap"));
    cmd->add_option("--expert-mib", f->expertMiB,
                    "Weights of one expert in MiB (for moved bytes and memory bounds)")
        ->check(nonNegative<double>());
    cmd->add_option("--hidden", f->hidden,
                    "Model width H: with --ffn, one expert is 3*H*F float32 weights, as in "
                    "`run` (when --expert-mib is not given)")
        ->check(positive<int>());
    cmd->add_option("--ffn", f->ffn, "Expert inner width F (see --hidden)")->check(positive<int>());
    cmd->add_option("--memory-mib", f->memoryMiB,
                    "Expert weights a rank may hold, MiB (0 = no bound)")
        ->check(nonNegative<double>("no bound"));
    cmd->add_option("--bandwidth", f->bandwidth, "Link preset: " + BandwidthMatrix::presetHelp());
    cmd->add_option("-n,--steps", f->steps, "Steps of the workload to sum (0 = all)")
        ->check(nonNegative<int64_t>("all"));
    cmd->add_option("--seed", f->seed, "Seed for synthetic workloads");
    cmd->add_option("--layer", f->showLayer, "Show this layer's placement (default: layer 0)")
        ->check(wholeNumber<int>());  // the workload's layer count bounds it, once known
    cmd->add_option(
           "--format", f->format,
           "Output format: table, json (with DeepSeek EPLB's phy2log, log2phy, logcnt), csv, or "
           "sglang (the --init-expert-location JSON: physical_to_logical_map and logical_count)")
        ->check(CLI::IsMember({"table", "json", "csv", "sglang"}))
        ->capture_default_str();
    cmd->add_option("-o,--out", f->out, "Write to this file instead of stdout")
        ->check(outputFile());
    return [f] { return execute(*f); };
}

}  // namespace moe::cli
