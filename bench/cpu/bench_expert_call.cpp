// One expert call at decode sizes, weights read cold as a decode step reads them (every layer's
// experts in turn, far more than the caches hold): the small-batch kernel on row-major float32
// weights and the backend's GEMM against the same values as packed bf16 (what the CPU backend
// runs up to kernels::smallBatchWins), in one run, at the row counts a rank's expert sees. A call's
// time is its rows' products plus whatever of streaming its weights they do not hide; packed bf16
// halves the bytes and streams them while it multiplies, which is the part of a call that does not
// shrink with its rows (issue 18: what a replica costs). Usage: bench_expert_call [H F experts
// calls]   (defaults 128 352 768 4000: GPT-OSS-20B's 24 layers x 32 experts at the engine's default
// width).
#include <omp.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench/cpu/bench_util.h"
#include "core/model/cpu_backend.h"
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

enum class Kernel { Float, Gemm, Packed };

// Mean microseconds per call of `rows` rows, cycling over every expert (cold weights).
double microsPerCall(const Setup& s, int rows, Kernel kernel) {
    std::vector<float> x(static_cast<size_t>(rows) * s.H), out(x.size());
    moe::ModelWeights::fill(x, x.size(), 1, 3);
    moe::WeightArena scratch(2 * moe::WeightArena::roundUp(static_cast<size_t>(rows) * s.F));
    float* gate = scratch.take(static_cast<size_t>(rows) * s.F).data();
    float* up = scratch.take(static_cast<size_t>(rows) * s.F).data();
    const auto& experts = s.weights.layer(0).experts;
    auto call = [&](int i) {
        const moe::ExpertWeights& w = experts[static_cast<size_t>(i % s.experts)];
        if (kernel == Kernel::Packed)
            moe::kernels::smallBatchFfn(x.data(), rows, s.H, s.F, w.packedBf16(), gate, up,
                                        out.data());
        else if (kernel == Kernel::Float)
            moe::kernels::smallBatchFfn(x.data(), rows, s.H, s.F, w.w1.data(), w.w3.data(),
                                        w.w2.data(), gate, up, out.data());
        else
            moe::gemmExpertFfn(x.data(), rows, s.H, s.F, w, gate, up, out.data());
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
    std::printf("  rows   float32 us    GEMM us   packed bf16 us   /float32   /GEMM\n");
    for (int rows : {1, 8, 16, 32, 64, 128, 256}) {
        const double f32 = microsPerCall(s, rows, Kernel::Float);
        const double gemm = microsPerCall(s, rows, Kernel::Gemm);
        const double packed = microsPerCall(s, rows, Kernel::Packed);
        std::printf("  %4d   %10.2f   %8.2f   %14.2f   %8.3f   %5.3f\n", rows, f32, gemm, packed,
                    packed / f32, packed / gemm);
        const std::string at = "_h" + std::to_string(H) + "_rows" + std::to_string(rows);
        moe::bench::report("expert_call_packed_bf16_vs_float32" + at, packed / f32, "x", "-");
        moe::bench::report("expert_call_packed_bf16_vs_gemm" + at, packed / gemm, "x", "-");
    }
    return 0;
}
