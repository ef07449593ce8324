// The float32 CPU layer against the double-precision oracle, over score functions, top-k,
// renormalisation, capacity dropping and forced routing; plus tie-breaking of top-k.
#include "core/model/moe_layer.h"

#include <gtest/gtest.h>

#include <random>

#include "core/common/error.h"
#include "core/model/cpu_backend.h"
#include "reference_moe.h"

namespace moe {
namespace {

std::vector<float> randomInput(int T, int H, uint64_t seed) {
    std::vector<float> x(static_cast<size_t>(T) * H);
    ModelWeights::fill(x, x.size(), 1, seed);  // unit-ish variance
    return x;
}

struct Case {
    ScoreFunction score;
    bool renorm;
    int k;
    double capacity;
    bool forced;
};

class MoeLayerVsReference : public ::testing::TestWithParam<Case> {};

TEST_P(MoeLayerVsReference, MatchesDoublePrecisionWithin1e5) {
    const Case p = GetParam();
    MoeLayerConfig c;
    c.hidden = 48;
    c.ffn = 96;
    c.experts = 8;
    c.topK = p.k;
    c.score = p.score;
    c.renormalize = p.renorm;
    c.capacityFactor = p.capacity;
    const int T = 37;
    ModelWeights w(c, 1, 42);
    const auto x = randomInput(T, c.hidden, 7);
    std::vector<int32_t> forced;
    if (p.forced) {
        std::mt19937 rng(3);
        for (int t = 0; t < T; ++t) {
            std::vector<int> perm(c.experts);
            for (int e = 0; e < c.experts; ++e) perm[e] = e;
            std::shuffle(perm.begin(), perm.end(), rng);
            for (int j = 0; j < c.topK; ++j) forced.push_back(perm[j]);
        }
    }
    CpuBackend backend;
    MoeLayer layer(c, w.layer(0), backend);
    std::vector<float> y(static_cast<size_t>(T) * c.hidden);
    LayerRouting routing;
    layer.forward(x.data(), T, p.forced ? forced.data() : nullptr, y.data(), routing);

    std::vector<int> forcedInt(forced.begin(), forced.end());
    const auto ref =
        testing::referenceMoe(c, w.layer(0), x, T, p.forced ? forcedInt.data() : nullptr);
    EXPECT_EQ(std::vector<int>(routing.ids.begin(), routing.ids.end()), ref.ids);
    EXPECT_EQ(routing.dropped, ref.dropped);
    EXPECT_LT(testing::relativeError(y, ref.y), 1e-5);
    int64_t total = 0;
    for (auto n : routing.counts) total += n;
    EXPECT_EQ(total, T * c.topK);
}

INSTANTIATE_TEST_SUITE_P(Variants, MoeLayerVsReference,
                         ::testing::Values(Case{ScoreFunction::Softmax, true, 2, 0, false},
                                           Case{ScoreFunction::Softmax, false, 1, 0, false},
                                           Case{ScoreFunction::Sigmoid, true, 4, 0, false},
                                           Case{ScoreFunction::Sigmoid, false, 2, 0, false},
                                           Case{ScoreFunction::Softmax, true, 2, 1.0, false},
                                           Case{ScoreFunction::Softmax, true, 4, 0.5, true},
                                           Case{ScoreFunction::Softmax, true, 4, 0, true}));

TEST(MoeLayerTopK, TiesGoToTheLowestExpertId) {
    MoeLayerConfig c;
    c.hidden = 4;
    c.ffn = 4;
    c.experts = 6;
    c.topK = 3;
    ModelWeights w(c, 1, 1);
    std::fill(w.mutableLayer(0).gate.begin(), w.mutableLayer(0).gate.end(),
              0.0f);  // all scores equal
    CpuBackend backend;
    std::vector<float> x(2 * 4, 1.0f);
    std::vector<int32_t> ids(6);
    std::vector<float> weights(6);
    backend.gateTopK(
        {&c, x.data(), 2, w.layer(0).gate.data(), nullptr, ids.data(), weights.data()});
    EXPECT_EQ(ids, (std::vector<int32_t>{0, 1, 2, 0, 1, 2}));
    for (float v : weights) EXPECT_NEAR(v, 1.0f / 3.0f, 1e-7);
}

TEST(MoeLayerCapacity, DropsPairsBeyondCapacityInTokenOrder) {
    const std::vector<int32_t> ids{0, 1, 0, 1, 0, 2};  // 3 tokens x k=2
    std::vector<int32_t> kept(6);
    const std::vector<int64_t> before{0, 0, 0};
    EXPECT_EQ(applyCapacity(ids.data(), 6, 2, before.data(), 3, kept.data()), 1);
    EXPECT_EQ(kept, (std::vector<int32_t>{0, 1, 0, 1, -1, 2}));
    const std::vector<int64_t> already{2, 0, 0};  // a previous rank used expert 0's capacity
    EXPECT_EQ(applyCapacity(ids.data(), 6, 2, already.data(), 3, kept.data()), 3);
}

TEST(MoeLayerConfig, RejectsBadValuesWithTheFieldName) {
    MoeLayerConfig c;
    c.topK = 40;
    try {
        c.validate();
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("top-k"), std::string::npos);
    }
}

}  // namespace
}  // namespace moe
