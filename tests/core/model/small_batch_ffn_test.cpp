// The small-batch expert FFN against a double-precision evaluation of the same SwiGLU FFN:
// every row count of a block (1..8) and past it, widths that are not multiples of the vector
// width (the scalar column tails), large products over several threads, and the decision of
// when it replaces GEMM; bf16 weights give the same bits as the float weights they round to.
#include "core/model/small_batch_ffn.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

#include "core/model/bf16.h"
#include "core/model/expert_weights.h"
#include "core/model/weight_arena.h"

namespace moe {
namespace {

// A layer of `experts` experts of width H and inner width F, top-1.
MoeLayerConfig shapeOf(int H, int F, int experts = 1) {
    MoeLayerConfig c;
    c.hidden = H;
    c.ffn = F;
    c.experts = experts;
    c.topK = 1;
    return c;
}

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
    // H = 2 x 16 + 8: the down product's tail; F = 5 x 16 + 8: the gate/up products' tail.
    const MoeLayerConfig c = shapeOf(40, 88);
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
// tolerance, and the same bits on one thread as on three, from float and from packed bf16.
TEST(SmallBatchFfn, LargeProductsAreRightAndTheSameOnAnyThreadCount) {
    const MoeLayerConfig c = shapeOf(136, 360);  // 4 x 32 + 8, 11 x 32 + 8
    const ModelWeights w(c, 1, 22);
    const ExpertWeights& e = w.layer(0).experts[0];
    const int rows = 301;
    std::vector<float> x(static_cast<size_t>(rows) * c.hidden);
    ModelWeights::fill(x, x.size(), 1, 7);
    auto run = [&](int threads, bool packed) {
        // Scratch aligned as the header asks (CpuBackend's is).
        WeightArena scratch(2 * WeightArena::roundUp(static_cast<size_t>(rows) * c.ffn));
        const std::span<float> gate = scratch.take(static_cast<size_t>(rows) * c.ffn),
                               up = scratch.take(gate.size());
        std::vector<float> out(x.size(), NAN);
        const int before = omp_get_max_threads();
        omp_set_num_threads(threads);
        if (packed)
            kernels::smallBatchFfn(x.data(), rows, c.hidden, c.ffn, e.packedBf16(), gate.data(),
                                   up.data(), out.data());
        else
            kernels::smallBatchFfn(x.data(), rows, c.hidden, c.ffn, e.w1.data(), e.w3.data(),
                                   e.w2.data(), gate.data(), up.data(), out.data());
        omp_set_num_threads(before);
        return out;
    };
    const std::vector<float> one = run(1, false), three = run(3, false);
    const std::vector<float> packedOne = run(1, true), packedThree = run(3, true);
    const std::vector<double> want = reference(x, rows, c.hidden, c.ffn, e);
    for (size_t i = 0; i < want.size(); ++i) {
        ASSERT_NEAR(one[i], want[i], 1e-5 * (1 + std::abs(want[i]))) << "element " << i;
        ASSERT_EQ(one[i], three[i]) << "element " << i;
        ASSERT_EQ(one[i], packedOne[i]) << "element " << i;
        ASSERT_EQ(one[i], packedThree[i]) << "element " << i;
    }
}

TEST(Bf16, RoundsToNearestEvenAndWidensExactly) {
    EXPECT_EQ(floatToBf16(1.0f), 0x3f80);
    EXPECT_EQ(bf16ToFloat(0x3f80), 1.0f);
    const auto fromBits = [](uint32_t b) {
        float f;
        std::memcpy(&f, &b, sizeof f);
        return f;
    };
    EXPECT_EQ(floatToBf16(fromBits(0x3f808000)), 0x3f80);  // tie, to the even neighbour
    EXPECT_EQ(floatToBf16(fromBits(0x3f818000)), 0x3f82);  // tie, up to the even one
    EXPECT_EQ(floatToBf16(fromBits(0x3f808001)), 0x3f81);  // past the tie
    EXPECT_EQ(floatToBf16(-2.5f), 0xc020);
    EXPECT_EQ(floatToBf16(INFINITY), 0x7f80);
    EXPECT_EQ(floatToBf16(fromBits(0x7f7fffff)), 0x7f80);  // the largest float rounds to inf
    EXPECT_TRUE(std::isnan(bf16ToFloat(floatToBf16(NAN))));
    EXPECT_TRUE(std::isnan(bf16ToFloat(floatToBf16(fromBits(0x7f800001)))));  // not to inf
}

// Packed slices of 32 columns, read here by their documented layout: slice s, row k, then
// each matrix's 32 values, column j at 2j and column 16 + j at 2j + 1 (zero past the last
// column).
float packedValue(std::span<const uint16_t> packed, int matrices, int m, int K, int N, int k,
                  int n) {
    const size_t slice = static_cast<size_t>(n / 32) * K * matrices * 32;
    const int j = n % 32, position = j < 16 ? 2 * j : 2 * (j - 16) + 1;
    const size_t at = slice + (static_cast<size_t>(k) * matrices + m) * 32 + position;
    EXPECT_LT(at, packed.size());
    return bf16ToFloat(packed[at]);
}

TEST(SmallBatchFfn, ModelWeightsAreBf16ValuesHeldInBothTypes) {
    const int H = 24, F = 40;  // both past a multiple of 32: each product's last slice is padded
    const MoeLayerConfig c = shapeOf(H, F, 3);
    const ModelWeights w(c, 2, 5);
    for (int l = 0; l < 2; ++l)
        for (const ExpertWeights& e : w.layer(l).experts) {
            ASSERT_EQ(e.gateUpBf16.size(), 2u * 2 * 32 * H);  // 2 slices x H rows x 2 matrices
            ASSERT_EQ(e.downBf16.size(), 1u * 32 * F);        // 1 slice x F rows
            for (int k = 0; k < H; ++k)
                for (int n = 0; n < 64; ++n) {
                    const size_t i = static_cast<size_t>(k) * F + n;
                    ASSERT_EQ(packedValue(e.gateUpBf16, 2, 0, H, F, k, n), n < F ? e.w1[i] : 0.f);
                    ASSERT_EQ(packedValue(e.gateUpBf16, 2, 1, H, F, k, n), n < F ? e.w3[i] : 0.f);
                }
            for (int k = 0; k < F; ++k)
                for (int n = 0; n < 32; ++n)
                    ASSERT_EQ(packedValue(e.downBf16, 1, 0, F, H, k, n),
                              n < H ? e.w2[static_cast<size_t>(k) * H + n] : 0.f);
            for (std::span<const float> m : {e.w1, e.w3, e.w2})
                for (float v : m) ASSERT_EQ(v, bf16ToFloat(floatToBf16(v)));  // bf16 values
            EXPECT_NE(e.w1[0], e.w3[0]);
        }
}

// Every block size, the column tails and a product shared out over threads: the bf16 call and
// the float call read the same numbers and sum them in the same order.
TEST(SmallBatchFfn, Bf16WeightsGiveTheFloatCallsBits) {
    const MoeLayerConfig c = shapeOf(40, 88);
    const ModelWeights w(c, 1, 23);
    const ExpertWeights& e = w.layer(0).experts[0];
    for (int rows : {1, 2, 3, 5, 7, 8, 9, 13, 16, 31, 57, 301}) {
        std::vector<float> x(static_cast<size_t>(rows) * c.hidden);
        ModelWeights::fill(x, x.size(), 1, 300 + rows);
        WeightArena scratch(2 * WeightArena::roundUp(static_cast<size_t>(rows) * c.ffn));
        const std::span<float> gate = scratch.take(static_cast<size_t>(rows) * c.ffn),
                               up = scratch.take(gate.size());
        std::vector<float> asFloat(x.size(), NAN), asBf16(x.size(), NAN);
        kernels::smallBatchFfn(x.data(), rows, c.hidden, c.ffn, e.w1.data(), e.w3.data(),
                               e.w2.data(), gate.data(), up.data(), asFloat.data());
        kernels::smallBatchFfn(x.data(), rows, c.hidden, c.ffn, e.packedBf16(), gate.data(),
                               up.data(), asBf16.data());
        for (size_t i = 0; i < x.size(); ++i) ASSERT_EQ(asFloat[i], asBf16[i]) << rows << ": " << i;
    }
}

TEST(SmallBatchFfn, ReplacesGemmOnlyWhereItWasMeasuredFaster) {
    // Weights up to 1 MB at any size, beyond up to 128 rows.
    EXPECT_TRUE(kernels::smallBatchWins(1024, 128, 352));
    EXPECT_TRUE(kernels::smallBatchWins(128, 512, 1408));
    EXPECT_FALSE(kernels::smallBatchWins(129, 512, 1408));
    EXPECT_TRUE(kernels::smallBatchWins(128, 1024, 2816));
    EXPECT_FALSE(kernels::smallBatchWins(129, 1024, 2816));
}

}  // namespace
}  // namespace moe
