// One expert call at decode sizes, weights read cold as a decode step reads them (every layer's
// experts in turn, far more than the caches hold): float32 weights against the same values as
// bf16, in one run, at the row counts a rank's expert sees. A call's time is its rows' products
// plus streaming its weights; bf16 halves the bytes streamed, which is the part of a call that
// does not shrink with its rows (issue 18: what a replica costs beyond its rows).
// Usage: bench_expert_call [H F experts calls]   (defaults 128 352 768 4000: GPT-OSS-20B's
// 24 layers x 32 experts at the engine's default width).
#include <omp.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "bench/cpu/bench_util.h"
#include "core/model/expert_weights.h"
#include "core/model/small_batch_ffn.h"
#include "core/model/weight_arena.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Setup {
    int H, F, experts, calls;
    moe::ModelWeights weights;
    Setup(int h, int f, int e, int c)
        : H(h), F(f), experts(e), calls(c), weights(config(h, f, e), 1, 7) {}
    static moe::MoeLayerConfig config(int h, int f, int e) {
        moe::MoeLayerConfig c;
        c.hidden = h;
        c.ffn = f;
        c.experts = e;
        c.topK = 1;
        return c;
    }
};

// Mean microseconds per call of `rows` rows, cycling over every expert (cold weights).
double microsPerCall(const Setup& s, int rows, bool bf16) {
    std::vector<float> x(static_cast<size_t>(rows) * s.H), out(x.size());
    moe::ModelWeights::fill(x, x.size(), 1, 3);
    moe::WeightArena scratch(2 * moe::WeightArena::roundUp(static_cast<size_t>(rows) * s.F));
    float* gate = scratch.take(static_cast<size_t>(rows) * s.F).data();
    float* up = scratch.take(static_cast<size_t>(rows) * s.F).data();
    const auto& experts = s.weights.layer(0).experts;
    auto call = [&](int i) {
        const moe::ExpertWeights& w = experts[static_cast<size_t>(i % s.experts)];
        if (bf16)
            moe::kernels::smallBatchFfn(x.data(), rows, s.H, s.F, w.w1h.data(), w.w3h.data(),
                                        w.w2h.data(), gate, up, out.data());
        else
            moe::kernels::smallBatchFfn(x.data(), rows, s.H, s.F, w.w1.data(), w.w3.data(),
                                        w.w2.data(), gate, up, out.data());
    };
    for (int i = 0; i < s.experts; ++i) call(i);  // fault every page in
    const auto t0 = Clock::now();
    for (int i = 0; i < s.calls; ++i) call(i);
    return std::chrono::duration<double, std::micro>(Clock::now() - t0).count() / s.calls;
}

}  // namespace

int main(int argc, char** argv) {
    const int H = argc > 1 ? std::atoi(argv[1]) : 128, F = argc > 2 ? std::atoi(argv[2]) : 352;
    const int experts = argc > 3 ? std::atoi(argv[3]) : 768;
    const int calls = argc > 4 ? std::atoi(argv[4]) : 4000;
    omp_set_num_threads(1);  // one rank's thread, as in the decode runs
    const Setup s(H, F, experts, calls);
    std::printf(
        "Expert call, H=%d F=%d, %d experts cycled (%.0f MB of float32 weights), %d calls, "
        "one thread\n",
        H, F, experts, 3.0 * H * F * 4 * experts / 1e6, calls);
    std::printf("  rows   float32 us   bf16 us   bf16/float32\n");
    for (int rows : {1, 8, 32, 128}) {
        const double f32 = microsPerCall(s, rows, false), b16 = microsPerCall(s, rows, true);
        std::printf("  %4d   %10.2f   %7.2f   %12.3f\n", rows, f32, b16, b16 / f32);
        moe::bench::report(
            "expert_call_bf16_vs_float32_h" + std::to_string(H) + "_rows" + std::to_string(rows),
            b16 / f32, "x", "-");
    }
    return 0;
}
