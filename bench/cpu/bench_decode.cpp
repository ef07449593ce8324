// Decode through the whole engine: GPT-OSS-20B routing, continuous batching at B=64 and B=256,
// all 24 layers, 4 in-process ranks (routing, the all-gather of counts, both all-to-alls,
// grouping, combine and the residual norm between layers all included). Two figures per batch:
// - tokens per second against the dense product's rate for the same FLOPs (one
//   [B*k x H] x [H x 3F] product timed in the same run, on all threads), and
// - the share of the step's CPU time spent outside the expert products: the rank threads' time
//   in expert FFNs is measured on each thread's CPU clock, the step's on the process's, so
//   time-sharing 4 ranks over fewer cores does not count as overhead. What is outside splits
//   into the engine's own work (goal < 15%) and waiting at collectives: the CPU time ranks
//   spend past a brief spin, yielding the core to a rank that shares it, which with one rank
//   per core would not exist, and which otherwise is the wait for the slowest rank. The cores'
//   wall time is split too: expert products, other work, and idle cores (ranks waiting on the
//   slowest, which is imbalance, what the policies are for, not engine overhead).
// The layers share one set of expert weights (1.1 GB at the default H=1024 F=2816, against 26 GB
// for 24 distinct sets): far beyond any cache either way, so every expert call still streams
// its weights from memory as a real model's would.
// Usage: bench_decode [steps=4] [hidden=1024] [ffn=2816]
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "bench/cpu/bench_util.h"
#include "core/common/error.h"
#include "core/engine/moe_engine.h"
#include "core/experiment/workload_source.h"

using namespace moe;

namespace {
double processCpuSeconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// A step's routing copied out of the reader, whose spans the next step reuses.
struct HeldStep {
    Step step;
    std::vector<int32_t> experts;
    std::vector<float> weights;
    void keep(const Step& from) {
        step.index = from.index;
        step.tokens = from.tokens;
        experts.assign(from.experts.begin(), from.experts.end());
        weights.assign(from.weights.begin(), from.weights.end());
        step.experts = experts;
        step.weights = weights;
    }
};

struct DecodeRun {
    double wall = 0, processCpu = 0, expertCpu = 0, waitCpu = 0, flops = 0;
    double slowestExpertCpu = 0;  // sum over layers of the busiest rank's expert time
    int64_t tokens = 0;
    int cores = 1;
};

DecodeRun runDecode(int batch, int stepCount, int H, int F) {
    WorkloadOptions wo;
    wo.spec = "trace:gpt-oss-20b";
    wo.batching = Batching::Continuous;
    wo.batch = batch;
    auto w = openWorkload(wo);
    // The steps are read before the clock starts: the trace's reader inflates ahead on a thread
    // of its own, which would otherwise count as CPU time of the steps.
    std::vector<HeldStep> steps(stepCount + 1);
    for (HeldStep& held : steps) {
        Step step;
        if (!w->next(step)) throw Error("the trace ran out of steps");
        held.keep(step);
    }
    const WorkloadShape shape = w->shape();
    w.reset();
    EngineConfig c;
    c.layer.hidden = H;
    c.layer.ffn = F;
    c.ranks = 4;
    c.shareWeights = true;
    MoeEngine engine(c, shape);  // threads: all hardware threads, split over the ranks
    DecodeRun run;
    run.cores = static_cast<int>(
        std::min<unsigned>(std::thread::hardware_concurrency(), 4u * engine.threadsPerRank()));
    if (engine.threadsPerRank() != 1)
        throw Error(
            "this bench reads each rank's busy time on its thread's CPU clock: run it "
            "where 4 ranks get one thread each (at most 7 hardware threads)");
    StepTelemetry t;
    for (int s = 0; s <= stepCount; ++s) {  // step 0 warms caches and pages up, untimed
        const Step& step = steps[s].step;
        const double cpu0 = processCpuSeconds(), wait0 = engine.collectiveWaitCpuSeconds();
        engine.runStep(step, t);
        if (s == 0) continue;
        run.processCpu += processCpuSeconds() - cpu0;
        run.waitCpu += engine.collectiveWaitCpuSeconds() - wait0;
        run.wall += t.wallSeconds;
        run.tokens += t.tokens;
        for (double b : t.rankBusySeconds) run.expertCpu += b;
        for (int l = 0; l < t.layers; ++l) {
            run.slowestExpertCpu += t.slowestBusy(l);
            int64_t kept = 0;
            for (int e = 0; e < t.loads.experts(); ++e) kept += t.loads.at(l, e);
            run.flops += 6.0 * static_cast<double>(kept - t.dropped[l]) * H * F;
        }
    }
    return run;
}

// GFLOP/s of the dense product with the FLOPs of one layer's expert products at this batch.
double denseGflops(int batch, int topK, int H, int F) {
    const double sec = bench::denseProductSeconds(static_cast<long>(batch) * topK, H, 3L * F, 9, 2);
    return 6.0 * batch * topK * static_cast<double>(H) * F / sec / 1e9;
}

void reportBatch(int batch, int steps, int H, int F) {
    // The dense product before and after the run, the faster counting: measured only after a
    // short run (20 steps at H=128), it came out at a third of its rate, in every such run, and
    // at its full rate before the run and after longer runs.
    const double denseBefore = denseGflops(batch, 4, H, F);
    const DecodeRun r = runDecode(batch, steps, H, F);
    const double engineGf = r.flops / r.wall / 1e9;
    const double denseGf = std::max(denseBefore, denseGflops(batch, 4, H, F));
    const double cpuOutside = 1.0 - r.expertCpu / r.processCpu;
    const double cpuWaiting = r.waitCpu / r.processCpu, cpuEngine = cpuOutside - cpuWaiting;
    // The cores' time over the step: expert products, other work, and idle (ranks waiting on
    // the slowest at a collective, as devices would).
    const double coreSeconds = r.cores * r.wall;
    const double expertShare = r.expertCpu / coreSeconds,
                 otherShare = (r.processCpu - r.expertCpu) / coreSeconds;
    std::printf(
        "  B=%d: %lld tokens in %.2f s = %.1f tokens/s, %.1f GFLOP/s; dense product %.1f "
        "GFLOP/s (engine %.2fx)\n"
        "    step CPU %.2f s, expert products %.2f s: outside them %.1f%% of the CPU time, of "
        "which waiting at collectives %.1f%% and the engine's own work %.1f%%\n"
        "    %d cores x wall: expert products %.1f%%, other work %.1f%%, idle %.1f%% (slowest "
        "rank's expert time %.2fx the mean)\n",
        batch, static_cast<long long>(r.tokens), r.wall, r.tokens / r.wall, engineGf, denseGf,
        engineGf / denseGf, r.processCpu, r.expertCpu, 100 * cpuOutside, 100 * cpuWaiting,
        100 * cpuEngine, r.cores, 100 * expertShare, 100 * otherShare,
        100 * (1 - expertShare - otherShare), r.slowestExpertCpu * 4 / r.expertCpu);
    const std::string b = "_h" + std::to_string(H) + "_b" + std::to_string(batch);
    bench::report("decode_tokens_per_s_vs_dense" + b, engineGf / denseGf, "x_dense", "-");
    bench::report("decode_cpu_share_outside_experts" + b, 100 * cpuOutside, "%", "-");
    bench::report("decode_cpu_share_waiting_at_collectives" + b, 100 * cpuWaiting, "%", "-");
    bench::report("decode_cpu_share_engine_work" + b, 100 * cpuEngine, "%", "<15");
    bench::report("decode_idle_core_share" + b, 100 * (1 - expertShare - otherShare), "%", "-");
}
}  // namespace

int main(int argc, char** argv) {
    const int steps = argc > 1 ? std::atoi(argv[1]) : 4;
    const int H = argc > 2 ? std::atoi(argv[2]) : 1024, F = argc > 3 ? std::atoi(argv[3]) : 2816;
    try {
        if (steps <= 0 || H <= 0 || F <= 0) throw Error("steps, hidden and ffn must be positive");
        std::printf(
            "Decode, GPT-OSS-20B routing (24 layers, E=32, k=4), continuous batching, 4 "
            "in-process ranks, H=%d F=%d, %d timed steps after one warm-up, %u hardware "
            "threads\n",
            H, F, steps, std::thread::hardware_concurrency());
        for (int batch : {64, 256}) reportBatch(batch, steps, H, F);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
