// The trainable MoE layer is the core's layer: in float, with the same weights, its forward
// gives the routing and outputs of MoeLayer::forward on the CPU backend.
#include "core/model/moe_train_layer.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/model/cpu_backend.h"
#include "core/model/moe_layer.h"

namespace moe {
namespace {

class SameAsInferenceLayer : public ::testing::TestWithParam<ScoreFunction> {};

TEST_P(SameAsInferenceLayer, RoutingAndOutputs) {
    MoeLayerConfig c;
    c.hidden = 32;
    c.ffn = 48;
    c.experts = 8;
    c.topK = 2;
    c.score = GetParam();
    c.capacityFactor = 1.25;  // drops too, through the shared applyCapacity
    const int T = 64;
    ModelWeights w(c, 1, 5);
    std::vector<float> x(static_cast<size_t>(T) * c.hidden);
    ModelWeights::fill(x, x.size(), 1, 77);
    CpuBackend backend;
    MoeLayer inference(c, w.layer(0), backend);
    std::vector<float> yRef(x.size());
    LayerRouting ref;
    inference.forward(x.data(), T, nullptr, yRef.data(), ref);

    const size_t HF = static_cast<size_t>(c.hidden) * c.ffn;
    std::vector<float> w1, w3, w2;
    for (const auto& e : w.layer(0).experts) {
        w1.insert(w1.end(), e.w1.begin(), e.w1.end());
        w3.insert(w3.end(), e.w3.begin(), e.w3.end());
        w2.insert(w2.end(), e.w2.begin(), e.w2.end());
    }
    ASSERT_EQ(w1.size(), HF * c.experts);
    MoeTrainLayer<float> train(c);
    MoeTrainCache<float> cache;
    std::vector<float> y(x.size());
    train.forward({w.layer(0).gate.data(), w1.data(), w3.data(), w2.data(), nullptr}, x.data(), T,
                  y.data(), cache);
    EXPECT_EQ(cache.ids, ref.ids);
    EXPECT_EQ(cache.weights, ref.weights);
    EXPECT_EQ(cache.counts, ref.counts);
    EXPECT_EQ(cache.dropped, ref.dropped);
    EXPECT_GT(ref.dropped, 0);
    double maxDiff = 0, maxAbs = 0;
    for (size_t i = 0; i < y.size(); ++i) {
        maxDiff = std::max(maxDiff, static_cast<double>(std::abs(y[i] - yRef[i])));
        maxAbs = std::max(maxAbs, static_cast<double>(std::abs(yRef[i])));
    }
    EXPECT_LT(maxDiff, 1e-5 * maxAbs);
}

INSTANTIATE_TEST_SUITE_P(Scores, SameAsInferenceLayer,
                         ::testing::Values(ScoreFunction::Softmax, ScoreFunction::Sigmoid));

}  // namespace
}  // namespace moe
