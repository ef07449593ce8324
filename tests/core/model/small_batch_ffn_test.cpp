// The small-batch expert FFN against a double-precision evaluation of the same SwiGLU FFN:
// every row count of a block (1..8) and past it, widths that are not multiples of the vector
// width (the scalar column tails), large products over several threads, and the decision of
// when it replaces GEMM.
#include "core/model/small_batch_ffn.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <vector>

#include "core/model/expert_weights.h"
#include "core/model/weight_arena.h"

namespace moe {
namespace {

std::vector<double> reference(const std::vector<float>& x, int rows, int H, int F,
                              const ExpertWeights& w) {
    std::vector<double> out(static_cast<size_t>(rows) * H, 0.0), act(F);
    for (int r = 0; r < rows; ++r) {
        for (int f = 0; f < F; ++f) {
            double g = 0, u = 0;
            for (int h = 0; h < H; ++h) {
                g += double(x[r * H + h]) * w.w1[static_cast<size_t>(h) * F + f];
                u += double(x[r * H + h]) * w.w3[static_cast<size_t>(h) * F + f];
            }
            act[f] = g / (1 + std::exp(-g)) * u;
        }
        for (int h = 0; h < H; ++h)
            for (int f = 0; f < F; ++f)
                out[r * H + h] += act[f] * w.w2[static_cast<size_t>(f) * H + h];
    }
    return out;
}

TEST(SmallBatchFfn, MatchesDoublePrecisionForEveryBlockSizeAndColumnTail) {
    MoeLayerConfig c;
    c.hidden = 40;  // 2 x 16 + 8: the down product's tail
    c.ffn = 88;     // 5 x 16 + 8: the gate/up products' tail
    c.experts = 1;
    c.topK = 1;
    const ModelWeights w(c, 1, 21);
    const ExpertWeights& e = w.layer(0).experts[0];
    std::vector<int> sizes;  // one block of each size, then several near-equal blocks
    for (int rows = 1; rows <= 20; ++rows) sizes.push_back(rows);
    for (int rows : {31, 33, 57, 64}) sizes.push_back(rows);
    for (int rows : sizes) {
        std::vector<float> x(static_cast<size_t>(rows) * c.hidden);
        ModelWeights::fill(x, x.size(), 1, 100 + rows);
        std::vector<float> gate(static_cast<size_t>(rows) * c.ffn), up(gate.size()),
            out(x.size(), NAN);
        kernels::smallBatchFfn(x.data(), rows, c.hidden, c.ffn, e.w1.data(), e.w3.data(),
                               e.w2.data(), gate.data(), up.data(), out.data());
        const std::vector<double> want = reference(x, rows, c.hidden, c.ffn, e);
        for (size_t i = 0; i < want.size(); ++i)
            ASSERT_NEAR(out[i], want[i], 1e-5 * (1 + std::abs(want[i])))
                << rows << " rows, row " << i / c.hidden << " column " << i % c.hidden;
    }
}

// Several panels of rows, large enough to be shared out over threads: right to the same
// tolerance, and the same bits on one thread as on three.
TEST(SmallBatchFfn, LargeProductsAreRightAndTheSameOnAnyThreadCount) {
    MoeLayerConfig c;
    c.hidden = 136;  // 4 x 32 + 8
    c.ffn = 360;     // 11 x 32 + 8
    c.experts = 1;
    c.topK = 1;
    const ModelWeights w(c, 1, 22);
    const ExpertWeights& e = w.layer(0).experts[0];
    const int rows = 301;
    std::vector<float> x(static_cast<size_t>(rows) * c.hidden);
    ModelWeights::fill(x, x.size(), 1, 7);
    auto run = [&](int threads) {
        // Scratch aligned as the header asks (CpuBackend's is).
        WeightArena scratch(2 * WeightArena::roundUp(static_cast<size_t>(rows) * c.ffn));
        const std::span<float> gate = scratch.take(static_cast<size_t>(rows) * c.ffn),
                               up = scratch.take(gate.size());
        std::vector<float> out(x.size(), NAN);
        const int before = omp_get_max_threads();
        omp_set_num_threads(threads);
        kernels::smallBatchFfn(x.data(), rows, c.hidden, c.ffn, e.w1.data(), e.w3.data(),
                               e.w2.data(), gate.data(), up.data(), out.data());
        omp_set_num_threads(before);
        return out;
    };
    const std::vector<float> one = run(1), three = run(3);
    const std::vector<double> want = reference(x, rows, c.hidden, c.ffn, e);
    for (size_t i = 0; i < want.size(); ++i) {
        ASSERT_NEAR(one[i], want[i], 1e-5 * (1 + std::abs(want[i]))) << "element " << i;
        ASSERT_EQ(one[i], three[i]) << "element " << i;
    }
}

TEST(SmallBatchFfn, ReplacesGemmOnlyWhereItWasMeasuredFaster) {
    // Weights up to 1 MB at any size, up to 4 MB for 64 rows, beyond for 8.
    EXPECT_TRUE(kernels::smallBatchWins(1024, 128, 352));
    EXPECT_TRUE(kernels::smallBatchWins(64, 512, 1408));
    EXPECT_FALSE(kernels::smallBatchWins(65, 512, 1408));
    EXPECT_TRUE(kernels::smallBatchWins(8, 1024, 2816));
    EXPECT_FALSE(kernels::smallBatchWins(9, 1024, 2816));
}

}  // namespace
}  // namespace moe
