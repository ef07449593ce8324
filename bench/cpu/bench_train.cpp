// Training throughput of the MoE language model with the default settings (4 blocks, width
// 128, 16 experts top-2, context 64, batch 16 = 1024 tokens a step) on the bundled corpus:
// tokens per second, and the matrix-product FLOP rate of a training step (forward products
// counted analytically, backward = 2x forward) as a ratio to a dense product of the experts'
// size, [T*k x D] x [D x 3F], timed in the same run with the same library and threads.
// Usage: bench_train [steps] [threads...]   (default 12 steps, threads 1 and 2)
#include <omp.h>

#include <Eigen/Core>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench/cpu/bench_util.h"
#include "core/model/cpu_backend.h"
#include "core/train/trainer.h"

using namespace moe;

namespace {

// Forward matrix-product FLOPs of one step (2 per multiply-add).
double forwardFlops(const train::LmConfig& m, int batch) {
    const double N = static_cast<double>(batch) * m.context, D = m.width;
    const double attention = 4 * 2 * N * D * D + 2 * 2 * batch * double(m.context) * m.context * D;
    const double moe = 2 * N * D * m.experts + 2 * N * m.topK * 3 * D * m.ffn;
    const double head = 2 * N * D * m.vocab;
    return m.blocks * (attention + moe) + head;
}

void benchThreads(int threads, int steps) {
    train::TrainOptions o;
    o.threads = threads;
    o.evalEvery = 0;
    train::Trainer trainer(o);
    const auto& m = trainer.options().model;
    trainer.step();  // warm-up: first touches, allocations
    trainer.step();
    const auto start = std::chrono::steady_clock::now();
    int64_t tokens = 0;
    for (int i = 0; i < steps; ++i) tokens += trainer.step().tokens;
    const double sec =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double flops = 3 * forwardFlops(m, o.batch) * steps;

    setComputeThreadsForThisThread(threads);
    using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    const long rows = static_cast<long>(o.batch) * m.context * m.topK;
    RowMat a = RowMat::Random(rows, m.width), b = RowMat::Random(m.width, 3L * m.ffn), out;
    out.resize(rows, b.cols());
    const double denseSec = bench::medianSeconds([&] { out.noalias() = a * b; }, 21, 3);
    const double denseGf = 2.0 * rows * m.width * 3.0 * m.ffn / denseSec / 1e9;
    const double trainGf = flops / sec / 1e9;
    std::printf(
        "threads %d: %d steps of %d tokens in %.2f s = %.0f tokens/s; %.2f GFLOP per step in "
        "products = %.1f GFLOP/s; dense [%ld x %d] x [%d x %d] = %.1f GFLOP/s\n",
        threads, steps, o.batch * m.context, sec, tokens / sec, flops / steps / 1e9, trainGf, rows,
        m.width, m.width, 3 * m.ffn, denseGf);
    const std::string t = "_t" + std::to_string(threads);
    bench::report("train_tokens_per_s" + t, tokens / sec, "tokens/s", "-");
    bench::report("train_matmul_gflops" + t, trainGf, "GFLOP/s", "-");
    bench::report("train_dense_gemm_gflops" + t, denseGf, "GFLOP/s", "-");
    bench::report("train_matmul_ratio" + t, trainGf / denseGf, "x_dense", ">=0.3");
}

}  // namespace

int main(int argc, char** argv) {
    const int steps = argc > 1 ? std::atoi(argv[1]) : 12;
    std::vector<int> threads;
    for (int i = 2; i < argc; ++i) threads.push_back(std::atoi(argv[i]));
    if (threads.empty()) threads = {1, 2};
    try {
        std::printf("MoE LM training, default model, %d hardware threads\n", omp_get_num_procs());
        for (int t : threads) benchThreads(t, steps);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
