// The CUDA backend op by op against the CPU backend (the oracle) over a grid of shapes, with a
// stated tolerance per op: top-k ids must match exactly (ties to the lowest id on both; two
// experts within 1e-5 of each other may swap), combine weights within 1e-5, FFN outputs within
// 1e-4 of the largest value (FP32, no TF32).
#include "gpu/cuda_backend.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/common/error.h"
#include "core/model/cpu_backend.h"
#include "core/model/expert_weights.h"
#include "gpu_test_support.h"

namespace moe::gpu {
namespace {

double normalisedError(const std::vector<float>& a, const std::vector<float>& b) {
    double num = 0, den = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        num = std::max(num, static_cast<double>(std::abs(a[i] - b[i])));
        den = std::max(den, static_cast<double>(std::abs(b[i])));
    }
    return den > 0 ? num / den : num;
}

struct Shape {
    int tokens, hidden, ffn, experts, topK;
    ScoreFunction score;
    bool forced;
};

class CudaBackendVsCpu : public ::testing::TestWithParam<Shape> {};

TEST_P(CudaBackendVsCpu, GateTopKAndExpertFfnMatch) {
    MOE_SKIP_WITHOUT_CUDA_DEVICE();
    const Shape s = GetParam();
    MoeLayerConfig c;
    c.hidden = s.hidden;
    c.ffn = s.ffn;
    c.experts = s.experts;
    c.topK = s.topK;
    c.score = s.score;
    ModelWeights w(c, 1, 17);
    std::vector<float> x(static_cast<size_t>(s.tokens) * s.hidden);
    ModelWeights::fill(x, x.size(), 1, 3);
    std::vector<int32_t> forced;  // distinct per token: (t + j) mod E with k <= E
    for (int t = 0; s.forced && t < s.tokens; ++t)
        for (int j = 0; j < s.topK; ++j) forced.push_back((t + j) % s.experts);

    auto gpuBackend = makeCudaBackend();
    CpuBackend cpu;
    const size_t pairs = static_cast<size_t>(s.tokens) * s.topK;
    std::vector<int32_t> idsCpu(pairs), idsGpu(pairs);
    std::vector<float> wCpu(pairs), wGpu(pairs);
    const int32_t* f = s.forced ? forced.data() : nullptr;
    cpu.gateTopK({&c, x.data(), s.tokens, w.layer(0).gate.data(), f, idsCpu.data(), wCpu.data()});
    gpuBackend->gateTopK(
        {&c, x.data(), s.tokens, w.layer(0).gate.data(), f, idsGpu.data(), wGpu.data()});
    // cuBLAS and Eigen sum the gate product in different orders: two experts whose scores lie
    // within 1e-5 may come out in either order. Such a swap is accepted (and that token's
    // weights are not compared); any other difference is an error.
    int wrong = 0;
    std::vector<float> wg, wc;
    for (int t = 0; t < s.tokens; ++t) {
        std::vector<double> score(s.experts);
        for (int e = 0; e < s.experts; ++e) {
            double dot = 0;
            for (int h = 0; h < s.hidden; ++h)
                dot += double(x[size_t(t) * s.hidden + h]) *
                       w.layer(0).gate[size_t(h) * s.experts + e];
            score[e] = s.score == ScoreFunction::Sigmoid ? 1 / (1 + std::exp(-dot)) : dot;
        }
        if (s.score == ScoreFunction::Softmax) {
            const double mx = *std::max_element(score.begin(), score.end());
            double sum = 0;
            for (double& v : score) sum += (v = std::exp(v - mx));
            for (double& v : score) v /= sum;
        }
        bool swapped = false;
        for (int j = 0; j < s.topK; ++j) {
            const int32_t g = idsGpu[size_t(t) * s.topK + j], c = idsCpu[size_t(t) * s.topK + j];
            if (g == c) continue;
            if (g >= 0 && g < s.experts && std::abs(score[g] - score[c]) < 1e-5)
                swapped = true;
            else
                ++wrong;
        }
        for (int j = 0; !swapped && j < s.topK; ++j) {
            wg.push_back(wGpu[size_t(t) * s.topK + j]);
            wc.push_back(wCpu[size_t(t) * s.topK + j]);
        }
    }
    EXPECT_EQ(wrong, 0);
    EXPECT_GE(wg.size(), pairs * 9 / 10) << "too many near-ties to compare the weights";
    EXPECT_LT(normalisedError(wg, wc), 1e-5);

    std::vector<int64_t> hCpu(s.experts, 0), hGpu(s.experts, 0);
    cpu.expertHistogram(idsCpu.data(), pairs, s.experts, hCpu.data());
    gpuBackend->expertHistogram(idsCpu.data(), pairs, s.experts, hGpu.data());
    EXPECT_EQ(hGpu, hCpu);

    std::vector<float> yCpu(x.size()), yGpu(x.size());
    const FfnArgs args{&w.layer(0).experts[0], s.hidden, s.ffn, x.data(), s.tokens, nullptr};
    FfnArgs a = args;
    a.out = yCpu.data();
    cpu.expertFfn(a);
    a.out = yGpu.data();
    gpuBackend->expertFfn(a);
    EXPECT_LT(normalisedError(yGpu, yCpu), 1e-4);
}

INSTANTIATE_TEST_SUITE_P(
    Grid, CudaBackendVsCpu,
    ::testing::Values(Shape{1, 16, 32, 8, 2, ScoreFunction::Softmax, false},
                      Shape{37, 64, 176, 32, 4, ScoreFunction::Softmax, false},
                      Shape{256, 128, 352, 32, 4, ScoreFunction::Sigmoid, false},
                      Shape{513, 256, 704, 64, 8, ScoreFunction::Softmax, false},
                      Shape{64, 128, 352, 32, 4, ScoreFunction::Softmax, true}));

TEST(CudaBackend, WithoutADeviceTheFactorySaysWhy) {
    if (testing::noDeviceReason().empty()) GTEST_SKIP() << "a device is present";
    EXPECT_THROW(makeCudaBackend(), Error);
}

}  // namespace
}  // namespace moe::gpu
