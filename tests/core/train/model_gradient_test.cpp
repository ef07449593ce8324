// The whole language model (embeddings, blocks of attention and the core's MoE layer with the
// switch aux loss, final norm, head, cross-entropy) against finite differences in double,
// every parameter of a tiny model; and the float model's first loss near ln(vocab).
#include <gtest/gtest.h>

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

TEST(ModelGradient, EveryParameterMatchesFiniteDifferences) {
    LmModel<double> model(tinyModel(), 3);
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
