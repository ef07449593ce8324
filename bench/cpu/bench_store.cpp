// The experiment store's three promises, measured on this machine:
//  (a) sustained recording rate of 24-layer x 32-expert steps with 4 ranks (steps/s through
//      the recorder's queue, thread and batched transactions, nothing dropped). Goal 5,000
//      steps/s: ten times the fastest the engine itself runs such steps on this machine
//      (tiny H and F, ~2 ms a step), so the recorder is never what limits a run;
//  (b) the real MoeEngine on a synthetic workload is slowed by at most 5% when the recorder
//      is attached: blocks with and without it alternate in one run, median over blocks;
//  (c) reopening a 100,000-step run and reading one layer's whole load history: < 1 s.
// Usage: bench_store [steps of (c) = 100000] [steps of (a) = 50000]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "bench/cpu/bench_util.h"
#include "core/common/error.h"
#include "core/engine/moe_engine.h"
#include "core/engine/run_loop.h"
#include "core/experiment/workload_source.h"
#include "core/store/experiment_store.h"
#include "core/store/run_reader.h"
#include "core/store/run_recorder.h"

using namespace moe;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int L = 24, E = 32, G = 4;

double since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

store::RunInfo info(const std::string& name) {
    store::RunInfo i;
    i.name = name;
    i.workload = "bench";
    i.backend = "bench";
    i.layers = L;
    i.experts = E;
    i.ranks = G;
    return i;
}

// A decode-like step: 64 sequences x top-4 = 256 pairs over 32 experts, skewed, varying.
StepTelemetry frame(int64_t step) {
    StepTelemetry t;
    t.step = step;
    t.tokens = 64;
    t.layers = L;
    t.ranks = G;
    t.loads = LoadMatrix(L, E);
    t.dropped.assign(L, 0);
    t.rankRows.assign(L * G, 0);
    t.rankBusySeconds.assign(L * G, 0);
    uint64_t x = 0x9e3779b97f4a7c15ULL * static_cast<uint64_t>(step + 1);
    for (int l = 0; l < L; ++l)
        for (int e = 0; e < E; ++e) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            const int64_t n = static_cast<int64_t>(x % (e < 4 ? 40 : 8));
            t.loads.at(l, e) = n;
            t.rankRows[l * G + e / (E / G)] += n;
            t.rankBusySeconds[l * G + e / (E / G)] += 1e-6 * static_cast<double>(n);
        }
    t.wallSeconds = 1e-3;
    return t;
}

void recordingRate(const fs::path& dir, int64_t steps) {
    const std::string path = (dir / "rate.sqlite").string();
    std::vector<StepTelemetry> frames;
    for (int i = 0; i < 256; ++i) frames.push_back(frame(i));
    store::RecorderOptions options;
    options.maxBlock = std::chrono::minutes(10);  // measure the sustained rate: never drop
    const auto t0 = Clock::now();
    store::RunRecorder rec(path, info("rate"), options);
    for (int64_t s = 0; s < steps; ++s) {
        StepTelemetry& f = frames[static_cast<size_t>(s % 256)];
        f.step = s;
        rec.record(f);
    }
    rec.finish(store::RunStatus::Finished);
    const double sec = since(t0);
    const auto bytes = fs::file_size(path);
    std::printf(
        "(a) recorded %lld steps of %dx%d loads + %d ranks in %.2f s, %lld batches, %lld "
        "dropped; %.0f bytes/step on disk (%.1f GB per million steps)\n",
        static_cast<long long>(steps), L, E, G, sec, static_cast<long long>(rec.stats().batches),
        static_cast<long long>(rec.stats().framesDropped), static_cast<double>(bytes) / steps,
        static_cast<double>(bytes) / steps * 1e6 / 1e9);
    bench::report("store_record_rate", steps / sec, "steps/s", ">=5000");
    bench::report("store_bytes_per_step", static_cast<double>(bytes) / steps, "bytes", "-");
}

void engineSlowdown(const fs::path& dir, int blocks, int stepsPerBlock) {
    WorkloadOptions wo;
    // Decode-like steps (64 tokens) at a small width: short steps, so any cost the recorder
    // adds to the engine thread shows up rather than hiding behind the FFNs.
    wo.spec = "synthetic:layers=24,experts=32,top_k=4,tokens=64,skew=2.5,drift=0.05";
    auto workload = openWorkload(wo);
    EngineConfig config;
    config.layer.hidden = 64;
    config.layer.ffn = 176;
    config.ranks = G;
    MoeEngine engine(config, workload->shape());
    std::printf("(b) engine: %s; workload: %s\n", engine.describe().c_str(),
                workload->describe().c_str());
    store::RunRecorder rec((dir / "engine.sqlite").string(), info("engine"));
    runLoop(*workload, engine, 50, {});  // warm up threads and caches
    std::vector<double> without, with;
    for (int b = 0; b < 2 * blocks; ++b) {
        const bool recording = b % 2 == 1;
        const auto t0 = Clock::now();
        runLoop(*workload, engine, stepsPerBlock, [&](const StepTelemetry& t) {
            if (recording) rec.record(t);
        });
        // A block with the recorder pays for all its commits, not leave them to the next one.
        if (recording) rec.flush();
        (recording ? with : without).push_back(since(t0));
    }
    rec.finish(store::RunStatus::Finished);
    std::sort(with.begin(), with.end());
    std::sort(without.begin(), without.end());
    const double a = without[without.size() / 2], b = with[with.size() / 2];
    std::printf(
        "    %d blocks of %d steps each way: median %.3f s without, %.3f s with the "
        "recorder (%.2f ms/step); %lld steps committed, %lld dropped\n",
        blocks, stepsPerBlock, a, b, 1e3 * a / stepsPerBlock,
        static_cast<long long>(rec.stats().committedSteps),
        static_cast<long long>(rec.stats().framesDropped));
    bench::report("store_engine_slowdown", b / a, "x", "<=1.05");
}

void reopenAndReadLayer(const fs::path& dir, int64_t steps) {
    const std::string path = (dir / "big.sqlite").string();
    int64_t id = 0;
    const auto t0 = Clock::now();
    {
        store::RunWriter w(path, info("big"));
        id = w.runId();
        std::vector<store::RecorderItem> batch;
        for (int64_t s = 0; s < steps; ++s) {
            batch.emplace_back(frame(s));
            if (batch.size() == 2000 || s + 1 == steps) {
                w.writeBatch(batch, 0);
                batch.clear();
            }
        }
        w.finish(store::RunStatus::Finished, "", 0);
    }
    std::printf("(c) wrote a %lld-step run (%.0f MB) in %.1f s\n", static_cast<long long>(steps),
                static_cast<double>(fs::file_size(path)) / 1e6, since(t0));
    size_t rows = 0;
    int64_t total = 0;
    const double sec = bench::medianSeconds(
        [&] {
            store::ExperimentStore s(path);
            store::RunReader reader(s.connection(), s.run(id));
            const store::LayerHistory h = reader.layerLoads(7);
            rows = h.steps.size();
            total = 0;
            for (int64_t v : h.counts) total += v;
        },
        5, 0);
    std::printf(
        "    reopen + read layer 7's history: %zu steps x %d experts (%lld pairs), "
        "median %.3f s\n",
        rows, E, static_cast<long long>(total), sec);
    if (static_cast<int64_t>(rows) != steps) throw Error("layer history is incomplete");
    bench::report("store_reopen_read_layer_" + std::to_string(steps / 1000) + "k", sec, "s", "<1");
}

}  // namespace

int main(int argc, char** argv) {
    const int64_t bigSteps = argc > 1 ? std::atoll(argv[1]) : 100000;
    const int64_t rateSteps = argc > 2 ? std::atoll(argv[2]) : 50000;
    const fs::path dir =
        fs::temp_directory_path() / ("moe_bench_store_" + std::to_string(getpid()));
    try {
        fs::create_directories(dir);
        recordingRate(dir, rateSteps);
        engineSlowdown(dir, 11, 100);
        reopenAndReadLayer(dir, bigSteps);
        fs::remove_all(dir);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        fs::remove_all(dir);
        return 1;
    }
}
