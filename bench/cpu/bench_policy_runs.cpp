// End to end on the GPT-OSS trace with 4 in-process ranks: every policy drives the engine
// (rebalancing every N steps from an SW_Avg forecast), and the measured slowest-rank busy
// time per step is reported as a ratio to contiguous placement, all in one run on the same
// steps. Rows per rank are reported too: busy time on a shared 2-core machine is noisy, the
// rows a rank computes are not.
// Usage: bench_policy_runs [steps=300] [rebalance_every=50] [batch=64]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench/cpu/bench_util.h"
#include "core/engine/rebalance_controller.h"
#include "core/engine/run_loop.h"
#include "core/experiment/workload_source.h"

using namespace moe;

namespace {
struct Outcome {
    double slowestBusy = 0;  // sum over steps and layers of the busiest rank's busy seconds
    double slowestRows = 0;  // ... of the busiest rank's rows
    size_t rebalances = 0;
};

Outcome runPolicy(const std::string& policy, int64_t steps, int every, int batch, double flopRate) {
    WorkloadOptions wo;
    wo.spec = "trace:gpt-oss-20b";
    wo.batching = Batching::Continuous;
    wo.batch = batch;
    wo.maxSteps = steps;
    auto w = openWorkload(wo);
    EngineConfig c;
    c.layer.hidden = 128;
    c.layer.ffn = 352;
    c.ranks = 4;
    c.threads = 4;  // one thread per rank: busy time is each rank thread's CPU time
    MoeEngine engine(c, w->shape());
    std::unique_ptr<RebalanceController> rc;
    if (policy != "contiguous") {
        RebalanceOptions o;
        o.policy = policy;
        o.predictor = "sw_avg:window=50";
        o.every = every;
        o.horizon = every;
        o.slots = policy.rfind("eplb", 0) == 0 || policy.rfind("gps", 0) == 0 ? 40 : 0;
        o.flopRate = flopRate;
        rc = std::make_unique<RebalanceController>(o, w->shape(), engine);
    }
    Outcome out;
    runLoop(*w, engine, steps, [&](const StepTelemetry& t) {
        for (int l = 0; l < t.layers; ++l) {
            double busy = 0;
            int64_t rows = 0;
            for (int r = 0; r < t.ranks; ++r) {
                busy = std::max(busy, t.busyAt(l, r));
                rows = std::max(rows, t.rankRowsAt(l, r));
            }
            out.slowestBusy += busy;
            out.slowestRows += static_cast<double>(rows);
        }
        if (rc) rc->afterStep(t);
    });
    if (rc) out.rebalances = rc->events().size();
    return out;
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
        const Outcome base = runPolicy("contiguous", steps, every, batch, flop);
        std::printf("  %-22s %12s %10s %14s %10s %11s\n", "policy", "slowest busy", "ratio",
                    "slowest rows", "ratio", "rebalances");
        for (const std::string p : {"contiguous", "round_robin", "gps", "eplb", "fastermoe",
                                    "harmoeny", "moetuner:mode=balance", "eplb:max_moves=4"}) {
            const Outcome o = p == "contiguous" ? base : runPolicy(p, steps, every, batch, flop);
            std::printf("  %-22s %10.3f s %10.3f %14.0f %10.3f %11zu\n", p.c_str(), o.slowestBusy,
                        o.slowestBusy / base.slowestBusy, o.slowestRows,
                        o.slowestRows / base.slowestRows, o.rebalances);
            std::string name = p.substr(0, p.find(':'));
            if (p.find("max_moves") != std::string::npos) name += "_max_moves4";
            bench::report("policy_run_slowest_busy_vs_contiguous_" + name,
                          o.slowestBusy / base.slowestBusy, "x", "-");
            bench::report("policy_run_slowest_rows_vs_contiguous_" + name,
                          o.slowestRows / base.slowestRows, "x", "-");
        }
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
