// The whole language model (embeddings, blocks of attention and the core's MoE layer with the
// switch aux loss, final norm, head, cross-entropy) against finite differences in double,
// every parameter of a tiny model; and the float model's first loss near ln(vocab).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/train/lm_model.h"
#include "grad_check.h"

namespace moe::train {
namespace {
using namespace test;

LmConfig tinyModel() {
    LmConfig c;
    c.vocab = 13;
    c.context = 5;
    c.width = 8;
    c.blocks = 2;
    c.heads = 2;
    c.experts = 4;
    c.topK = 2;
    c.ffn = 6;
    return c;
}

class ModelGradient : public ::testing::TestWithParam<bool> {};

// Plain and pre-gated (each block's gate reading the block before's router input).
TEST_P(ModelGradient, EveryParameterMatchesFiniteDifferences) {
    LmConfig config = tinyModel();
    config.pregated = GetParam();
    LmModel<double> model(config, 3);
    // Larger embeddings than the default init, so every path carries a visible gradient.
    for (auto& p : model.params())
        if (p.name == "tok_emb" || p.name == "pos_emb" || p.name == "head")
            for (auto& v : p.value) v *= 10;
    const std::vector<int32_t> tokens{1, 5, 7, 2, 12, 0, 3, 3, 9, 4};
    const std::vector<int32_t> targets{5, 7, 2, 12, 0, 3, 3, 9, 4, 11};
    const double aux = 0.05;
    auto loss = [&] { return model.forward(tokens.data(), targets.data(), 2, 5, aux).total(); };
    loss();
    std::vector<std::vector<int32_t>> routing;
    for (int l = 0; l < 2; ++l) routing.push_back(model.routing(l).ids);
    model.zeroGrad();
    model.backward();
    double worst = 0;
    for (auto& p : model.params()) {
        const std::vector<double> analytic = p.grad;
        const double err = relativeError(analytic, numericGradient(p.value, loss));
        worst = std::max(worst, err);
        EXPECT_LT(err, kMaxRelativeError) << p.name;
    }
    std::printf("whole-model gradient check: %zu parameters, max relative error %.2e\n",
                model.parameterCount(), worst);
    loss();
    for (int l = 0; l < 2; ++l) EXPECT_EQ(routing[l], model.routing(l).ids);
}

INSTANTIATE_TEST_SUITE_P(PlainAndPreGated, ModelGradient, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "PreGated" : "Plain"; });

// A pre-gated block's routing is a function of the block before's router input alone: the
// same gate applied to it, top-k, gives block 1's experts.
TEST(PreGatedModel, BlockOneRoutesByBlockZerosInput) {
    LmConfig config = tinyModel();
    config.pregated = true;
    LmModel<double> model(config, 5);
    const std::vector<int32_t> tokens{1, 5, 7, 2, 12, 0, 3, 3, 9, 4};
    model.forward(tokens.data(), tokens.data(), 2, 5, 0);
    const std::vector<double>& in0 = model.routerInput(0);
    const double* w = nullptr;
    for (const auto& p : model.params())
        if (p.name == "block1.gate") w = p.value.data();
    ASSERT_NE(w, nullptr);
    const int D = config.width, E = config.experts;
    for (int t = 0; t < 10; ++t) {
        std::vector<std::pair<double, int>> logits(E);
        for (int e = 0; e < E; ++e) {
            double z = 0;
            for (int d = 0; d < D; ++d) z += in0[t * D + d] * w[d * E + e];
            logits[e] = {-z, e};
        }
        std::sort(logits.begin(), logits.end());
        const int32_t* ids = model.routing(1).ids.data() + t * config.topK;
        EXPECT_EQ(ids[0], logits[0].second) << "token " << t;
        EXPECT_EQ(ids[1], logits[1].second) << "token " << t;
    }
}

TEST(ModelGradient, FloatAndDoubleModelsAgree) {
    LmModel<double> d(tinyModel(), 9);
    LmModel<float> f(tinyModel(), 9);
    const std::vector<int32_t> tokens{1, 5, 7, 2, 12}, targets{5, 7, 2, 12, 0};
    const double ld = d.forward(tokens.data(), targets.data(), 1, 5, 0).crossEntropy;
    const double lf = f.forward(tokens.data(), targets.data(), 1, 5, 0).crossEntropy;
    EXPECT_NEAR(ld, lf, 1e-5);
    // A small head: the untrained model is close to knowing nothing, loss ~ ln(13).
    EXPECT_NEAR(ld, std::log(13.0), 0.05);
}

}  // namespace
}  // namespace moe::train
