// The GPU benchmarks of issue 7, one executable that bench/gpu/run.sh runs on an H100/H200:
// a Mixtral-like layer (T=16384, H=4096, F=14336, E=8, k=2) and a GPT-OSS-20B-like layer
// (T=16384, H=2880, F=2880, E=32, k=4), bf16, routed by the real GPT-OSS-20B trace, and for each:
//   - the whole device-resident layer, its stages, and the routing overhead (gate, top-k,
//     permute, combine) as a share of it (goal: under 10%);
//   - the expert FFN's throughput as a ratio to one dense cuBLAS GEMM of the same FLOPs, in
//     the same run (goal: at least 0.8);
//   - 4 emulated ranks (green-context SM partitions): slowest-rank time with contiguous
//     placement and with EPLB duplication planned from the previous window's loads;
//   - routing ids and timings written for bench/gpu/torch_reference.py (same layer in PyTorch).
// Routing: 16384 consecutive trace tokens of the middle layer (window 2; window 1 is EPLB's
// forecast). The Mixtral-like layer folds the trace's 32 experts into 8 groups (e / 4) and keeps
// each token's first two distinct groups in router order, so its skew is the trace's, coarsened.
#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <source_location>
#include <string>
#include <vector>

#include "core/balance/eplb.h"
#include "core/balance/placement.h"
#include "core/common/error.h"
#include "core/experiment/workload_source.h"
#include "gpu/cuda_error.h"
#include "gpu/device_info.h"
#include "gpu/device_memory.h"
#include "gpu/device_moe_layer.h"
#include "gpu/sm_partitions.h"

namespace moe::gpu {
namespace {

struct Spec {
    std::string name;
    int tokens, hidden, ffn, experts, topK;
};

struct Options {
    std::string outDir = ".";
    int iters = 20;
    int tokens = 16384;
    int ranks = 4;
};

// Every call checked; the message names the call and this file's line, as moe_gpu's do.
std::string at(const std::source_location& where) {
    return " (bench_gpu_moe_layer.cpp:" + std::to_string(where.line()) + ")";
}
void check(cudaError_t e, const char* what,
           std::source_location where = std::source_location::current()) {
    if (e != cudaSuccess)
        throw CudaError(std::string("CUDA: ") + what + " failed: " + cudaGetErrorName(e) + ": " +
                            cudaGetErrorString(e) + at(where),
                        CudaError::Kind::Fault, where);
}
void check(cublasStatus_t s, const char* what,
           std::source_location where = std::source_location::current()) {
    if (s != CUBLAS_STATUS_SUCCESS)
        throw CudaError(std::string("cuBLAS: ") + what + " failed: " + cublasGetStatusName(s) +
                            ": " + cublasGetStatusString(s) + at(where),
                        CudaError::Kind::Fault, where);
}

// Owners of the bench's own streams, events and handle: released on every path, exceptions
// included (the green-context attempt may throw half-way and be retried on plain streams).
struct Stream {
    cudaStream_t s = nullptr;
    Stream() { check(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), "cudaStreamCreate"); }
    ~Stream() { cudaStreamDestroy(s); }
    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;
};
struct Event {
    cudaEvent_t e = nullptr;
    Event() { check(cudaEventCreate(&e), "cudaEventCreate"); }
    ~Event() { cudaEventDestroy(e); }
    Event(const Event&) = delete;
    Event& operator=(const Event&) = delete;
};
struct Blas {
    cublasHandle_t h = nullptr;
    Blas() { check(cublasCreate(&h), "cublasCreate"); }
    ~Blas() { cublasDestroy(h); }
    Blas(const Blas&) = delete;
    Blas& operator=(const Blas&) = delete;
};

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

template <typename F>
double timeMs(int iters, const F& body, const std::function<void()>& sync) {
    std::vector<double> ms;
    for (int i = 0; i < iters + 3; ++i) {  // 3 warm-up runs
        sync();
        const auto t0 = std::chrono::steady_clock::now();
        body();
        sync();
        if (i >= 3)
            ms.push_back(
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                    .count());
    }
    return median(ms);
}

// Two consecutive windows of `tokens` trace tokens of the middle layer, as T x k ids.
struct Routing {
    std::vector<int32_t> forecast, measured;
    std::string source;
};

Routing traceRouting(const Spec& s) {
    WorkloadOptions o;
    o.spec = "trace:gpt-oss-20b";
    o.batching = Batching::Tokens;
    o.tokensPerStep = s.tokens;
    o.maxSteps = 2;
    auto w = openWorkload(o);
    const int layer = w->shape().layers / 2, tk = w->shape().topK;
    Routing r;
    r.source = w->describe() + ", layer " + std::to_string(layer);
    std::vector<std::vector<int32_t>> windows;
    Step step;
    while (w->next(step)) {
        if (step.tokens < s.tokens) break;
        const auto ids = step.layerExperts(layer, tk);
        std::vector<int32_t> out;
        for (int t = 0; t < s.tokens; ++t) {
            const int32_t* row = ids.data() + static_cast<size_t>(t) * tk;
            std::vector<int32_t> picked;
            const int fold = w->shape().experts / s.experts;  // 1 for GPT-OSS, 4 for Mixtral
            for (int j = 0; j < tk && static_cast<int>(picked.size()) < s.topK; ++j) {
                const int32_t e = row[j] / fold;
                if (std::find(picked.begin(), picked.end(), e) == picked.end()) picked.push_back(e);
            }
            for (int32_t e = (row[0] / fold + 1) % s.experts;
                 static_cast<int>(picked.size()) < s.topK; e = (e + 1) % s.experts)
                if (std::find(picked.begin(), picked.end(), e) == picked.end()) picked.push_back(e);
            out.insert(out.end(), picked.begin(), picked.end());
        }
        windows.push_back(std::move(out));
    }
    if (windows.empty())
        throw Error("the trace has fewer than " + std::to_string(s.tokens) + " tokens");
    r.forecast = windows.front();
    r.measured = windows.back();
    if (windows.size() < 2) r.source += " (one window only: EPLB planned on the measured one)";
    return r;
}

std::vector<double> countsOf(const std::vector<int32_t>& ids, int experts) {
    std::vector<double> c(experts, 0);
    for (int32_t e : ids) c[e] += 1;
    return c;
}

struct LayerResult {
    double layerMs = 0, routingMs = 0, ffnStageMs = 0, combineMs = 0;
    double ffnMs = 0, denseMs = 0, ffnTflops = 0, denseTflops = 0;
    std::string ffnPath;
};

LayerResult benchLayer(const Spec& s, const Routing& routing, const Options& opt) {
    MoeLayerConfig c;
    c.hidden = s.hidden;
    c.ffn = s.ffn;
    c.experts = s.experts;
    c.topK = s.topK;
    DeviceMoeLayer layer(c, DType::BF16, 0, 42);
    const size_t T = s.tokens, H = s.hidden, pairs = T * s.topK;
    DeviceBuffer x(T * H * 2), y(T * H * 2), ids = DeviceBuffer::from(routing.measured);
    {  // activations: unit-variance uniform values, rounded to bf16
        std::vector<uint16_t> host(T * H);
        uint64_t z = 7;
        for (auto& v : host) {
            z = z * 6364136223846793005ULL + 1442695040888963407ULL;
            const float f = (static_cast<float>(z >> 40) / 16777216.0f - 0.5f) * 3.4641f;
            uint32_t u;
            std::memcpy(&u, &f, 4);
            v = static_cast<uint16_t>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
        }
        x.upload(host.data(), host.size() * 2);
    }
    LayerResult r;
    auto sync = [&] { layer.synchronize(); };
    std::vector<double> routingMs, ffnMs, combineMs;
    r.layerMs = timeMs(
        opt.iters,
        [&] {
            layer.forward(x.get(), s.tokens, ids.as<int32_t>(), y.get());
            layer.synchronize();
            const LayerTimings t = layer.lastTimings();
            routingMs.push_back(t.routingMs);
            ffnMs.push_back(t.ffnMs);
            combineMs.push_back(t.combineMs);
        },
        sync);
    // The stage times of the timed runs only, as layerMs (timeMs runs 3 warm-ups first).
    for (auto* v : {&routingMs, &ffnMs, &combineMs}) v->erase(v->begin(), v->begin() + 3);
    r.routingMs = median(routingMs);
    r.ffnStageMs = median(ffnMs);
    r.combineMs = median(combineMs);
    r.ffnPath = layer.ffnPath();

    // The expert FFN alone on the permuted rows, against one dense GEMM of the same FLOPs.
    DeviceBuffer counts(s.experts * 4), rows(pairs * 4);
    const auto offsets =
        layer.dispatch(ids.as<int32_t>(), s.tokens, counts.as<int32_t>(), rows.as<int32_t>());
    const size_t R = offsets.back();
    DeviceBuffer xPerm(R * H * 2 + 2), yPerm(R * H * 2 + 2);
    layer.gatherRows(x.get(), s.tokens, rows.as<int32_t>(), xPerm.get());
    r.ffnMs = timeMs(
        opt.iters, [&] { layer.expertFfn(xPerm.get(), offsets, yPerm.get()); }, sync);
    const double flops = 6.0 * R * s.hidden * s.ffn;
    r.ffnTflops = flops / (r.ffnMs * 1e-3) / 1e12;

    Blas blas;
    const int M = static_cast<int>(R), N = 3 * s.ffn, K = s.hidden;
    DeviceBuffer a(size_t(M) * K * 2), b(size_t(K) * N * 2), cOut(size_t(M) * N * 2);
    a.poison(0x3c);  // small finite bf16 values
    b.poison(0x3c);
    const float one = 1, zero = 0;
    r.denseMs = timeMs(
        opt.iters,
        [&] {
            check(cublasGemmEx(blas.h, CUBLAS_OP_N, CUBLAS_OP_N, N, M, K, &one, b.get(),
                               CUDA_R_16BF, N, a.get(), CUDA_R_16BF, K, &zero, cOut.get(),
                               CUDA_R_16BF, N, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
                  "dense cublasGemmEx");
        },
        [] { check(cudaDeviceSynchronize(), "sync"); });
    r.denseTflops = 2.0 * M * N * K / (r.denseMs * 1e-3) / 1e12;
    return r;
}

// Per emulated rank: the (expert, rows) it computes under a placement, replicas splitting an
// expert's rows as the engine does (core/balance/placement.h).
std::vector<std::vector<int32_t>> rowsPerRank(const Placement& p, const std::vector<double>& n) {
    std::vector<std::vector<int32_t>> out(p.ranks(), std::vector<int32_t>(p.experts(), 0));
    for (int e = 0; e < p.experts(); ++e) {
        const auto& reps = p.replicas(0, e);
        for (size_t i = 0; i < reps.size(); ++i)
            out[reps[i]][e] += static_cast<int32_t>(p.boundary(0, e, i + 1, (long long)n[e]) -
                                                    p.boundary(0, e, i, (long long)n[e]));
    }
    return out;
}

void benchEmulatedRanks(const Spec& s, const Routing& routing, const Options& opt, bool green) {
    const int G = opt.ranks;
    std::string how;
    // Declared before the layers that run on their streams, so destroyed after them (a layer's
    // destructor synchronises its stream, which must still exist).
    std::unique_ptr<SmPartitions> parts;
    std::vector<std::unique_ptr<Stream>> plain;
    try {
        if (!green) throw Error("not asked for");
        parts = std::make_unique<SmPartitions>(0, G);
        how = "green contexts, " + parts->describe();
    } catch (const std::exception& e) {
        how = std::string("plain streams sharing all SMs (green contexts: ") + e.what() + ")";
        for (int r = 0; r < G; ++r) plain.push_back(std::make_unique<Stream>());
    }
    auto streamOf = [&](int r) -> cudaStream_t {
        return parts ? static_cast<cudaStream_t>(parts->stream(r)) : plain[r]->s;
    };
    MoeLayerConfig c;
    c.hidden = s.hidden;
    c.ffn = s.ffn;
    c.experts = s.experts;
    c.topK = s.topK;
    std::vector<std::unique_ptr<DeviceMoeLayer>> ranks;
    for (int r = 0; r < G; ++r) {
        ranks.push_back(std::make_unique<DeviceMoeLayer>(c, DType::BF16, 0, 42));
        ranks.back()->setStream(streamOf(r));
    }
    const auto measured = countsOf(routing.measured, s.experts);
    const auto forecast = countsOf(routing.forecast, s.experts);
    std::map<std::string, Placement> placements;
    placements["contiguous"] = Placement::contiguous(1, s.experts, G);
    EplbParams ep;
    ep.replicas = (s.experts / G + 1) * G;  // one spare slot per rank
    ep.gpus = G;
    placements["eplb (" + std::to_string(ep.replicas) + " slots)"] =
        placementFromMaps(rebalanceExperts(forecast, 1, s.experts, ep), s.experts, G);

    std::printf("\n%s, %d emulated ranks on %s\n", s.name.c_str(), G, how.c_str());
    std::printf("  %-22s %8s %8s %8s %8s   %-36s\n", "placement", "slowest", "fastest", "max/mean",
                "wall", "rows per rank");
    double contiguousSlowest = 0;
    for (const auto& [name, p] : placements) {
        const auto perRank = rowsPerRank(p, measured);
        std::vector<DeviceBuffer> xs, ys;
        std::vector<std::vector<int32_t>> offsets(G);
        std::vector<int64_t> rowTotals(G);
        for (int r = 0; r < G; ++r) {
            offsets[r].assign(s.experts + 1, 0);
            for (int e = 0; e < s.experts; ++e) offsets[r][e + 1] = offsets[r][e] + perRank[r][e];
            rowTotals[r] = offsets[r].back();
            xs.emplace_back(size_t(rowTotals[r] + 1) * s.hidden * 2);
            ys.emplace_back(size_t(rowTotals[r] + 1) * s.hidden * 2);
            xs.back().poison(0x3c);
        }
        std::vector<std::vector<double>> rankMs(G);
        std::vector<double> wall;
        std::vector<Event> begin(G), end(G);
        for (int it = 0; it < opt.iters + 3; ++it) {
            for (auto& l : ranks) l->synchronize();
            const auto t0 = std::chrono::steady_clock::now();
            for (int r = 0; r < G; ++r) {
                check(cudaEventRecord(begin[r].e, streamOf(r)), "cudaEventRecord");
                ranks[r]->expertFfn(xs[r].get(), offsets[r], ys[r].get());
                check(cudaEventRecord(end[r].e, streamOf(r)), "cudaEventRecord");
            }
            for (auto& l : ranks) l->synchronize();
            if (it < 3) continue;
            wall.push_back(
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                    .count());
            for (int r = 0; r < G; ++r) {
                float ms = 0;
                check(cudaEventElapsedTime(&ms, begin[r].e, end[r].e), "cudaEventElapsedTime");
                rankMs[r].push_back(ms);
            }
        }
        std::vector<double> med(G);
        double mean = 0;
        for (int r = 0; r < G; ++r) mean += (med[r] = median(rankMs[r])) / G;
        const double slowest = *std::max_element(med.begin(), med.end());
        const double fastest = *std::min_element(med.begin(), med.end());
        std::string rowsText;
        for (int r = 0; r < G; ++r) {
            if (r) rowsText += ' ';
            rowsText += std::to_string(rowTotals[r]);  // (GCC 12 -Wrestrict misfires on a + b)
        }
        std::printf("  %-22s %6.3f ms %6.3f ms %8.3f %6.3f ms   %s\n", name.c_str(), slowest,
                    fastest, slowest / mean, median(wall), rowsText.c_str());
        if (name == "contiguous")
            contiguousSlowest = slowest;
        else
            std::printf("  -> slowest rank %.2fx faster with EPLB than contiguous\n",
                        contiguousSlowest / slowest);
    }
}

void writeForTorch(const Spec& s, const Routing& routing, const LayerResult& r,
                   const Options& opt) {
    std::ofstream ids(opt.outDir + "/routing_" + s.name + ".i32", std::ios::binary);
    ids.write(reinterpret_cast<const char*>(routing.measured.data()),
              static_cast<std::streamsize>(routing.measured.size() * 4));
    std::ofstream j(opt.outDir + "/layer_" + s.name + ".json");
    j << "{\"name\": \"" << s.name << "\", \"tokens\": " << s.tokens << ", \"hidden\": " << s.hidden
      << ", \"ffn\": " << s.ffn << ", \"experts\": " << s.experts << ", \"top_k\": " << s.topK
      << ", \"dtype\": \"bf16\", \"layer_ms\": " << r.layerMs << ", \"ffn_ms\": " << r.ffnMs
      << ", \"routing_file\": \"routing_" << s.name << ".i32\"}\n";
}

int run(const Options& opt) {
    std::string why;
    const auto devices = listDevices(&why);
    if (devices.empty()) {
        std::printf("SKIPPED: no CUDA device (%s)\n", why.c_str());
        return 0;
    }
    std::printf("device: %s\n", describe(devices[0]).c_str());
    const std::vector<Spec> specs = {{"mixtral-like", opt.tokens, 4096, 14336, 8, 2},
                                     {"gpt-oss-like", opt.tokens, 2880, 2880, 32, 4}};
    std::printf("\n%-14s %9s %9s %9s %9s %9s  %9s %9s %9s %7s\n", "layer (bf16)", "layer",
                "routing", "ffn", "combine", "overhead", "ffn only", "TFLOP/s", "dense", "ratio");
    std::vector<std::pair<Spec, Routing>> routed;
    for (const Spec& s : specs) {
        const Routing routing = traceRouting(s);
        const LayerResult r = benchLayer(s, routing, opt);
        const double overhead =
            (r.routingMs + r.combineMs) / std::max(1e-9, r.routingMs + r.ffnStageMs + r.combineMs);
        std::printf(
            "%-14s %6.3f ms %6.3f ms %6.3f ms %6.3f ms %8.1f%%  %6.3f ms %9.1f %9.1f %7.3f\n",
            s.name.c_str(), r.layerMs, r.routingMs, r.ffnStageMs, r.combineMs, 100 * overhead,
            r.ffnMs, r.ffnTflops, r.denseTflops, r.ffnTflops / r.denseTflops);
        std::printf("  routing: %s; expert FFN via %s\n", routing.source.c_str(),
                    r.ffnPath.c_str());
        writeForTorch(s, routing, r, opt);
        routed.emplace_back(s, routing);
    }
    std::printf(
        "\noverhead = (routing + combine) / layer, from device events; ratio = expert FFN "
        "TFLOP/s / dense GEMM TFLOP/s of the same FLOPs (goal >= 0.8)\n");
    for (const auto& [s, routing] : routed) {
        try {
            benchEmulatedRanks(s, routing, opt, true);
        } catch (const std::exception& e) {  // e.g. cuBLAS refusing a green context stream
            std::printf("  emulated ranks on green contexts failed: %s\n", e.what());
            benchEmulatedRanks(s, routing, opt, false);
        }
    }
    return 0;
}

}  // namespace
}  // namespace moe::gpu

int main(int argc, char** argv) {
    moe::gpu::Options opt;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
        if (a == "--out-dir")
            opt.outDir = value();
        else if (a == "--iters")
            opt.iters = std::stoi(value());
        else if (a == "--tokens")
            opt.tokens = std::stoi(value());
        else if (a == "--ranks")
            opt.ranks = std::stoi(value());
        else {
            std::fprintf(stderr, "usage: %s [--out-dir DIR] [--iters N] [--tokens T] [--ranks G]\n",
                         argv[0]);
            return 2;
        }
    }
    try {
        return moe::gpu::run(opt);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
