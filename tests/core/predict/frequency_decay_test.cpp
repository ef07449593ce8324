// The token-id table with decay: a router that re-routes a token must show up in the forecast
// within a few steps (a live-trained model does this), the table without decay must keep its
// long history, loads count every choice alike, and the stored scale must survive thousands of
// steps without overflowing.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/common/error.h"
#include "core/predict/token_predictors.h"

namespace moe {
namespace {

// One layer, 4 experts, top-2; every token has id 7 and goes to experts (first, second).
struct OneIdSteps {
    WorkloadShape shape;
    std::vector<int32_t> experts, ids;
    Step step;
    OneIdSteps(int tokens) {
        shape.layers = 1;
        shape.experts = 4;
        shape.topK = 2;
        shape.hasTokenIds = true;
        ids.assign(static_cast<size_t>(tokens), 7);
        experts.resize(static_cast<size_t>(tokens) * 2);
        step.tokens = tokens;
        step.tokenIds = ids;
    }
    const Step& routed(int first, int second) {
        for (size_t t = 0; t < ids.size(); ++t) {
            experts[2 * t] = first;
            experts[2 * t + 1] = second;
        }
        step.experts = experts;
        return step;
    }
};

std::vector<double> loadOf(FrequencyTokenPredictor& p, OneIdSteps& s) {
    std::vector<double> load(4);
    p.predictLoad(s.routed(0, 0), 0, s.shape, load.data());  // routing unread: layer 0
    return load;
}

TEST(FrequencyDecay, FollowsAReroutedTokenWithinAFewSteps) {
    OneIdSteps s(10);
    FrequencyTokenPredictor recent(FrequencyTokenPredictor::Key::TokenId, s.shape, 0.5);
    FrequencyTokenPredictor all(FrequencyTokenPredictor::Key::TokenId, s.shape);
    for (int i = 0; i < 40; ++i) {
        recent.observe(s.routed(0, 1));
        all.observe(s.routed(0, 1));
    }
    for (int i = 0; i < 3; ++i) {
        recent.observe(s.routed(2, 3));
        all.observe(s.routed(2, 3));
    }
    const std::vector<double> r = loadOf(recent, s), a = loadOf(all, s);
    // Weights 1/2 + 1/4 + 1/8 of the new routing against 1/8 of the old: 7/8 on experts 2, 3.
    EXPECT_GT(r[2], 0.8 * 10);
    EXPECT_LT(r[0], 0.2 * 10);
    EXPECT_GT(a[0], 0.9 * 10);  // 40 steps against 3
    EXPECT_LT(a[2], 0.1 * 10);
    EXPECT_EQ(recent.parameters(), "decay=0.5");
    EXPECT_EQ(all.parameters(), "");
}

TEST(FrequencyDecay, LoadsCountEveryChoiceAlike) {
    // The router's first choice is expert 0, its second expert 1, for every token: each gets
    // one pair per token (the rank weighting is for the top-k guess only). The prior adds one
    // pair of the layer's own (identical) distribution, so the figures are exact.
    OneIdSteps s(6);
    FrequencyTokenPredictor p(FrequencyTokenPredictor::Key::TokenId, s.shape);
    for (int i = 0; i < 5; ++i) p.observe(s.routed(0, 1));
    const std::vector<double> load = loadOf(p, s);
    EXPECT_DOUBLE_EQ(load[0], 6.0);
    EXPECT_DOUBLE_EQ(load[1], 6.0);
    EXPECT_DOUBLE_EQ(load[2], 0.0);
    std::vector<int32_t> guess(12);
    p.predict(s.routed(0, 0), 0, guess.data());
    EXPECT_EQ(guess[0], 0);  // the first choice first
    EXPECT_EQ(guess[1], 1);
}

TEST(FrequencyDecay, StaysFiniteOverThousandsOfSteps) {
    OneIdSteps s(2);
    FrequencyTokenPredictor p(FrequencyTokenPredictor::Key::TokenId, s.shape, 0.5);
    for (int i = 0; i < 3000; ++i) p.observe(s.routed(i % 2 ? 1 : 3, 2));  // 2^3000 unscaled
    const std::vector<double> load = loadOf(p, s);
    double sum = 0;
    for (double v : load) {
        EXPECT_TRUE(std::isfinite(v));
        sum += v;
    }
    EXPECT_NEAR(sum, 4.0, 1e-9);  // 2 tokens x top-2
    // The last step (i = 2999) chose 1, the one before 3: weights 1 + 1/4 + ... against
    // 1/2 + 1/8 + ..., i.e. 4/3 against 2/3 of a pair per token.
    EXPECT_NEAR(load[1] / load[3], 2.0, 1e-6);
}

TEST(FrequencyDecay, RefusesADecayOutsideZeroToOne) {
    OneIdSteps s(1);
    for (double bad : {0.0, -0.5, 1.5, std::nan("")})
        EXPECT_THROW(FrequencyTokenPredictor(FrequencyTokenPredictor::Key::TokenId, s.shape, bad),
                     Error)
            << bad;
}

}  // namespace
}  // namespace moe
