// End to end on the GPT-OSS trace with 4 in-process ranks: every policy drives the engine
// (rebalancing every N steps from an SW_Avg forecast), and the measured slowest-rank busy
// time per step is reported as a ratio to contiguous placement, all in one run on the same
// steps, interleaved step by step. Rows per rank are reported too: busy time on a shared
// machine is noisy, the rows a rank computes are not; issue 18 asks that the busy ratio follow
// the rows ratio within 3 points at B=256. The busiest rank's seconds are a maximum over
// ranks: where a placement leaves ranks close in rows, the maximum may be a different rank's
// each layer (the one that measured slowest, or one with fewer rows and more expert calls);
// the busy seconds of the rank with the most rows follow that one rank.
// Usage: bench_policy_runs [steps=300] [rebalance_every=50] [batch=64]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "bench/cpu/bench_util.h"
#include "core/engine/rebalance_controller.h"
#include "core/engine/run_loop.h"
#include "core/experiment/workload_source.h"

using namespace moe;

namespace {
struct Outcome {
    double slowestBusy = 0;   // sum over steps and layers of the busiest rank's busy seconds
    double slowestRows = 0;   // ... of the busiest rank's rows
    double rowsRankBusy = 0;  // ... of the rank with the most rows' busy seconds
    size_t rebalances = 0;
};

// One policy's engine and controller; all lanes see the same steps.
struct Lane {
    std::string policy;
    std::unique_ptr<MoeEngine> engine;
    std::unique_ptr<RebalanceController> rc;
    StepTelemetry t;
    Outcome out;
};

std::unique_ptr<Lane> makeLane(const std::string& policy, const WorkloadShape& shape, int every,
                               double flopRate) {
    auto lane = std::make_unique<Lane>();
    lane->policy = policy;
    EngineConfig c;
    c.layer.hidden = 128;
    c.layer.ffn = 352;
    c.ranks = 4;
    c.threads = 4;  // one thread per rank: busy time is each rank thread's CPU time
    lane->engine = std::make_unique<MoeEngine>(c, shape);
    if (policy != "contiguous") {
        RebalanceOptions o;
        o.policy = policy;
        o.predictor = "sw_avg:window=50";
        o.every = every;
        o.horizon = every;
        o.slots = policy.rfind("eplb", 0) == 0 || policy.rfind("gps", 0) == 0 ? 40 : 0;
        o.flopRate = flopRate;
        lane->rc = std::make_unique<RebalanceController>(o, shape, *lane->engine);
    }
    return lane;
}

void runLaneStep(Lane& lane, const Step& step) {
    lane.engine->runStep(step, lane.t);
    const StepTelemetry& t = lane.t;
    for (int l = 0; l < t.layers; ++l) {
        lane.out.slowestBusy += t.slowestBusy(l);
        lane.out.slowestRows += static_cast<double>(t.slowestRows(l));
        lane.out.rowsRankBusy += t.busyAt(l, t.rankWithMostRows(l));
    }
    if (lane.rc) lane.rc->afterStep(t);
}

// Every policy on the same steps, interleaved step by step: a slow phase of a shared machine
// then slows every policy alike instead of whichever ran during it.
std::vector<std::unique_ptr<Lane>> runPolicies(const std::vector<std::string>& policies,
                                               int64_t steps, int every, int batch,
                                               double flopRate) {
    WorkloadOptions wo;
    wo.spec = "trace:gpt-oss-20b";
    wo.batching = Batching::Continuous;
    wo.batch = batch;
    wo.maxSteps = steps;
    auto w = openWorkload(wo);
    std::vector<std::unique_ptr<Lane>> lanes;
    for (const auto& p : policies) lanes.push_back(makeLane(p, w->shape(), every, flopRate));
    // All steps read first (a Step views the reader's buffers, so each is copied): the trace
    // reader's inflate thread would otherwise share the cores with whichever lane runs right
    // after a read.
    struct HeldStep {
        Step step;
        std::vector<int32_t> experts;
        std::vector<float> weights;
    };
    std::vector<HeldStep> held;
    for (Step step; static_cast<int64_t>(held.size()) < steps && w->next(step);) {
        HeldStep h{step,
                   {step.experts.begin(), step.experts.end()},
                   {step.weights.begin(), step.weights.end()}};
        h.step = Step{step.index, step.tokens, {}, {}, {}, {}, {}, {}};
        held.push_back(std::move(h));
    }
    for (HeldStep& h : held) {  // the vectors have moved into place: point the views at them
        h.step.experts = h.experts;
        h.step.weights = h.weights;
    }
    // Each step starts at the next lane: no lane always runs first, after the others' caches.
    for (size_t s = 0; s < held.size(); ++s)
        for (size_t i = 0; i < lanes.size(); ++i)
            runLaneStep(*lanes[(s + i) % lanes.size()], held[s].step);
    for (auto& lane : lanes)
        if (lane->rc) lane->out.rebalances = lane->rc->events().size();
    return lanes;
}
}  // namespace

int main(int argc, char** argv) {
    const int64_t steps = argc > 1 ? std::atoll(argv[1]) : 300;
    const int every = argc > 2 ? std::atoi(argv[2]) : 50;
    const int batch = argc > 3 ? std::atoi(argv[3]) : 64;
    try {
        const double flop = measureExpertFlopRate(128, 352, 64);
        std::printf(
            "GPT-OSS-20B, continuous B=%d, %lld steps, 4 ranks, H=128 F=352; rebalance every %d "
            "steps from sw_avg:window=50 (eplb and gps with 40 slots)\n",
            batch, static_cast<long long>(steps), every);
        const auto lanes = runPolicies({"contiguous", "round_robin", "gps", "eplb", "fastermoe",
                                        "harmoeny", "moetuner:mode=balance", "eplb:max_moves=4"},
                                       steps, every, batch, flop);
        const Outcome& base = lanes.front()->out;
        std::printf("  %-22s %12s %7s %17s %7s %13s %7s %10s\n", "policy", "slowest busy", "ratio",
                    "most rows' busy", "ratio", "slowest rows", "ratio", "rebalances");
        for (const auto& lane : lanes) {
            const Outcome& o = lane->out;
            const std::string& p = lane->policy;
            std::printf("  %-22s %10.3f s %7.3f %15.3f s %7.3f %13.0f %7.3f %10zu\n", p.c_str(),
                        o.slowestBusy, o.slowestBusy / base.slowestBusy, o.rowsRankBusy,
                        o.rowsRankBusy / base.rowsRankBusy, o.slowestRows,
                        o.slowestRows / base.slowestRows, o.rebalances);
            std::string name = p.substr(0, p.find(':'));
            if (p.find("max_moves") != std::string::npos) name += "_max_moves4";
            bench::report("policy_run_slowest_busy_vs_contiguous_" + name,
                          o.slowestBusy / base.slowestBusy, "x", "-");
            bench::report("policy_run_most_rows_rank_busy_vs_contiguous_" + name,
                          o.rowsRankBusy / base.rowsRankBusy, "x", "-");
            bench::report("policy_run_slowest_rows_vs_contiguous_" + name,
                          o.slowestRows / base.slowestRows, "x", "-");
        }
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
