// MoE layer forward on the CPU at T=4096, H=1024, F=2816, E=32, k=4, following real
// GPT-OSS-20B routing (the first 4096 decode tokens of the trace, layer 0 by default).
// Reference: one dense matrix product with the same FLOPs as all experts' FFNs together,
// [T*k x H] x [H x 3F], timed in the same run with the same library and threads.
// Goal: expert-FFN GFLOP/s of the layer >= 0.85 x the dense product's (issue 18).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "bench/cpu/bench_util.h"
#include "core/common/error.h"
#include "core/experiment/workload_source.h"
#include "core/model/cpu_backend.h"
#include "core/model/moe_layer.h"

using namespace moe;

int main(int argc, char** argv) {
    const int T = 4096, H = argc > 1 ? std::atoi(argv[1]) : 1024,
              F = argc > 2 ? std::atoi(argv[2]) : 2816;
    const int layer = argc > 3 ? std::atoi(argv[3]) : 0;
    const int repeats = 5;
    try {
        WorkloadOptions wo;
        wo.spec = "trace:gpt-oss-20b";
        wo.batching = Batching::Tokens;
        wo.tokensPerStep = T;
        auto workload = openWorkload(wo);
        Step step;
        if (!workload->next(step) || step.tokens != T)
            throw Error("trace has fewer than 4096 tokens");
        MoeLayerConfig c;
        c.hidden = H;
        c.ffn = F;
        c.experts = workload->shape().experts;
        c.topK = workload->shape().topK;
        const std::vector<int32_t> forced(step.layerExperts(layer, c.topK).begin(),
                                          step.layerExperts(layer, c.topK).end());
        std::printf("MoE layer: T=%d H=%d F=%d E=%d k=%d, routing of %s layer %d, %u threads\n", T,
                    H, F, c.experts, c.topK, workload->describe().c_str(), layer,
                    std::thread::hardware_concurrency());
        ModelWeights w(c, 1, 1);
        std::vector<float> x(static_cast<size_t>(T) * H), y(x.size());
        ModelWeights::fill(x, x.size(), 1, 5);
        CpuBackend backend;
        MoeLayer moeLayer(c, w.layer(0), backend);
        LayerRouting routing;
        const double layerSec = bench::medianSeconds(
            [&] { moeLayer.forward(x.data(), T, forced.data(), y.data(), routing); }, repeats);
        const double flops = 6.0 * T * c.topK * static_cast<double>(H) * F;

        const double denseSec =
            bench::denseProductSeconds(static_cast<long>(T) * c.topK, H, 3L * F, repeats);

        const double layerGf = flops / layerSec / 1e9, denseGf = flops / denseSec / 1e9;
        std::printf(
            "  expert FLOPs %.1f G; layer forward %.3f s = %.1f GFLOP/s; dense product %.3f s = "
            "%.1f GFLOP/s\n",
            flops / 1e9, layerSec, layerGf, denseSec, denseGf);
        int64_t maxLoad = 0;
        for (auto n : routing.counts) maxLoad = std::max(maxLoad, n);
        std::printf("  routing: hottest expert %lld of %d pairs (skewness %.2f)\n",
                    static_cast<long long>(maxLoad), T * c.topK,
                    maxLoad / (double(T) * c.topK / c.experts));
        bench::report("moe_layer_cpu_gflops_ratio", layerGf / denseGf, "x_dense", ">=0.85");
        bench::report("moe_layer_cpu_gflops", layerGf, "GFLOP/s", "-");
        bench::report("dense_gemm_cpu_gflops", denseGf, "GFLOP/s", "-");
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
