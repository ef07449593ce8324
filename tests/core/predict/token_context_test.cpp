// Token context in the token-level predictors: the n-gram table tells apart a token's routing
// by the ids before it and falls back to coarser tables where it has not seen a context; the
// pre-gate's layer 0 uses it; the network's linear path learns a linear router sooner.
#include <gtest/gtest.h>

#include <random>

#include "core/common/error.h"
#include "core/predict/ffn_token_predictor.h"
#include "core/predict/load_bias_correction.h"
#include "core/predict/model_input_gate.h"
#include "core/predict/predictor_factory.h"
#include "core/predict/pregate_predictor.h"
#include "core/predict/token_predictors.h"

namespace moe {
namespace {

constexpr int kExperts = 4;

// One layer, top-1, sequences of two tokens: (1, 5) or (2, 5). Token 5 goes to expert 0 after
// 1 and to expert 3 after 2; a sequence's first token to expert 1.
struct PairSteps {
    WorkloadShape shape;
    std::vector<int32_t> experts, ids, sequences, positions;
    Step step;
    explicit PairSteps(int sequences_ = 16) {
        shape = WorkloadShape{1, kExperts, 1};
        shape.hasTokenIds = shape.hasPositions = shape.hasSequenceIds = true;
        for (int s = 0; s < sequences_; ++s) {
            const int first = s % 2 ? 2 : 1;
            ids.insert(ids.end(), {first, 5});
            experts.insert(experts.end(), {1, first == 1 ? 0 : 3});
            sequences.insert(sequences.end(), {s, s});
            positions.insert(positions.end(), {0, 1});
        }
        bind();
    }
    void bind() {
        step.tokens = static_cast<int>(ids.size());
        step.experts = experts;
        step.tokenIds = ids;
        step.sequenceIds = sequences;
        step.positions = positions;
    }
};

// The same routing on two layers, with router inputs (constant: the pre-gate's network has
// nothing to learn from them, so what differs comes from its token-context table).
struct TwoLayerPairSteps : PairSteps {
    std::vector<int32_t> bothLayers;
    std::vector<float> hidden;
    TwoLayerPairSteps() {
        shape.layers = 2;
        shape.hiddenDim = 2;
        bothLayers = experts;
        bothLayers.insert(bothLayers.end(), experts.begin(), experts.end());
        hidden.assign(2 * ids.size() * 2, 0.5f);
        step.experts = bothLayers;
        step.hidden = hidden;
    }
};

std::vector<int32_t> guesses(TokenPredictor& p, const Step& s) {
    std::vector<int32_t> out(static_cast<size_t>(s.tokens));
    p.predict(s, 0, out.data());
    return out;
}

TEST(NgramTable, TellsATokensRoutingApartByTheIdBeforeIt) {
    PairSteps s;
    FrequencyTokenPredictor pair(FrequencyTokenPredictor::Key::TokenId, s.shape, 1.0, 1);
    FrequencyTokenPredictor alone(FrequencyTokenPredictor::Key::TokenId, s.shape);
    for (int i = 0; i < 3; ++i) {
        pair.observe(s.step);
        alone.observe(s.step);
    }
    EXPECT_EQ(guesses(pair, s.step), s.experts) << "every token right";
    const std::vector<int32_t> one = guesses(alone, s.step);
    EXPECT_EQ(one[1], one[3]) << "by id alone, token 5 gets one guess whatever came before";
    std::vector<double> load(kExperts);
    pair.predictLoad(s.step, 0, s.shape, load.data());
    EXPECT_NEAR(load[0], 8, 0.5);  // 8 pairs (1, 5), 8 (2, 5): smoothed by one pair each
    EXPECT_NEAR(load[3], 8, 0.5);
    EXPECT_EQ(pair.name(), "t2e_ngram");
    EXPECT_EQ(pair.parameters(), "n=2");
}

TEST(NgramTable, FallsBackToTheIdThenToTheLayer) {
    PairSteps s;
    FrequencyTokenPredictor pair(FrequencyTokenPredictor::Key::TokenId, s.shape, 1.0, 1);
    for (int i = 0; i < 3; ++i) pair.observe(s.step);
    PairSteps unseen(2);
    unseen.ids = {9, 5, 7, 7};  // (9, 5): a new pair of a known id; 7: a new id
    unseen.bind();
    const std::vector<int32_t> g = guesses(pair, unseen.step);
    EXPECT_TRUE(g[1] == 0 || g[1] == 3) << "token 5's own experts, from its id's table";
    EXPECT_EQ(g[2], 1) << "an unknown id: the layer's most chosen expert";
    EXPECT_EQ(g[3], 1);
}

// Decode holds one token per sequence a step: no id before it, so the pair is the id alone.
TEST(NgramTable, InDecodeForecastsAsTheIdTable) {
    PairSteps s;
    FrequencyTokenPredictor pair(FrequencyTokenPredictor::Key::TokenId, s.shape, 1.0, 2);
    FrequencyTokenPredictor alone(FrequencyTokenPredictor::Key::TokenId, s.shape);
    PairSteps decode(4);
    for (size_t t = 0; t < decode.sequences.size(); ++t)
        decode.sequences[t] = static_cast<int32_t>(t);  // each token its own sequence
    decode.bind();
    for (int i = 0; i < 4; ++i) {
        pair.observe(decode.step);
        alone.observe(decode.step);
    }
    std::vector<double> a(kExperts), b(kExperts);
    pair.predictLoad(decode.step, 0, decode.shape, a.data());
    alone.predictLoad(decode.step, 0, decode.shape, b.data());
    for (int e = 0; e < kExperts; ++e) EXPECT_NEAR(a[e], b[e], 1e-9) << "expert " << e;
}

TEST(NgramTable, RefusesBadSizesAndWorkloadsWithoutSequences) {
    PairSteps s;
    EXPECT_THROW(FrequencyTokenPredictor(FrequencyTokenPredictor::Key::TokenId, s.shape, 1.0, 4),
                 Error);
    EXPECT_THROW(FrequencyTokenPredictor(FrequencyTokenPredictor::Key::Position, s.shape, 1.0, 1),
                 Error);
    WorkloadShape idsOnly{1, kExperts, 1};
    idsOnly.hasTokenIds = true;
    try {
        FrequencyTokenPredictor(FrequencyTokenPredictor::Key::TokenId, idsOnly, 1.0, 1);
        FAIL() << "needs positions and sequences";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("positions and sequence ids"), std::string::npos);
    }
    PredictorSet set;
    EXPECT_THROW(addPredictor("t2e_ngram:n=0", s.shape, set), Error);
    EXPECT_NO_THROW(addPredictor("t2e_ngram:n=4,decay=0.6", s.shape, set));
}

// The pre-gate's layer 0 is the n-gram table (pairs by default): token 5 after 1 and after 2
// are told apart there too.
TEST(PreGateOptions, FirstLayerReadsTheIdBefore) {
    TwoLayerPairSteps s;
    PreGatePredictor p(FfnTokenOptions{}, s.shape);
    for (int i = 0; i < 3; ++i) p.observe(s.step);
    EXPECT_EQ(guesses(p, s.step), s.experts);
    PreGateOptions bad;
    bad.blend = 1.5;
    EXPECT_THROW(PreGatePredictor(FfnTokenOptions{}, s.shape, bad), Error);
    bad = {};
    bad.firstN = 0;
    EXPECT_THROW(PreGatePredictor(FfnTokenOptions{}, s.shape, bad), Error);
}

// Blending the table into later layers moves the network's loads toward the table's, by the
// share asked for.
TEST(PreGateOptions, BlendMixesTheTablesLoadsIn) {
    TwoLayerPairSteps s;
    PreGateOptions half;
    half.blend = 0.5;
    PreGatePredictor plain(FfnTokenOptions{}, s.shape), blended(FfnTokenOptions{}, s.shape, half);
    FrequencyTokenPredictor table(FrequencyTokenPredictor::Key::TokenId, s.shape, 1.0, 1);
    for (int i = 0; i < 3; ++i) {
        plain.observe(s.step);
        blended.observe(s.step);
        table.observe(s.step);
    }
    std::vector<double> a(kExperts), b(kExperts), t(kExperts);
    plain.predictLoad(s.step, 1, s.shape, a.data());
    blended.predictLoad(s.step, 1, s.shape, b.data());
    table.predictLoad(s.step, 1, s.shape, t.data());
    for (int e = 0; e < kExperts; ++e) EXPECT_NEAR(b[e], 0.5 * a[e] + 0.5 * t[e], 1e-9);
    EXPECT_NE(blended.parameters().find("blend=0.5"), std::string::npos);
}

// nets=2: the mean of two networks' loads, the second seeded apart, each learning as it would
// alone.
TEST(PreGateOptions, NetsAverageTheLoadsOfNetworksSeededApart) {
    TwoLayerPairSteps s;
    FfnTokenOptions first, second;
    second.seed = first.seed + 7919;
    PreGateOptions two;
    two.nets = 2;
    PreGatePredictor a(first, s.shape), b(second, s.shape), both(first, s.shape, two);
    for (int i = 0; i < 3; ++i)
        for (PreGatePredictor* p : {&a, &b, &both}) p->observe(s.step);
    std::vector<double> la(kExperts), lb(kExperts), lboth(kExperts);
    a.predictLoad(s.step, 1, s.shape, la.data());
    b.predictLoad(s.step, 1, s.shape, lb.data());
    both.predictLoad(s.step, 1, s.shape, lboth.data());
    for (int e = 0; e < kExperts; ++e) EXPECT_NEAR(lboth[e], (la[e] + lb[e]) / 2, 1e-9);
    EXPECT_NE(la, lb);  // the seeds differ, so do the networks
    EXPECT_NE(both.parameters().find("nets=2"), std::string::npos);
    two.nets = PreGateOptions::kMaxNets + 1;
    EXPECT_THROW(PreGatePredictor(first, s.shape, two), Error);
}

// The running error: each observed step moves it by `weight` toward that step's error per
// token (true load minus the forecast before correction); the next forecast adds it back.
TEST(LoadBiasCorrection, AddsTheRunningErrorOfItsOwnForecasts) {
    const WorkloadShape shape{1, kExperts, 1};
    LoadBiasCorrection c(shape, 0.5);
    const std::vector<int32_t> routing = {0, 1, 2, 3};  // one token to each expert
    Step step;
    step.tokens = 4;
    step.experts = routing;
    std::vector<double> load = {4, 0, 0, 0};
    c.correct(step, 0, load.data());
    EXPECT_EQ(load, (std::vector<double>{4, 0, 0, 0}));  // nothing observed yet
    c.observe(step);  // error per token: 0.5 x (0.25 - 1, 0.25, 0.25, 0.25)
    step.index = 1;
    load = {4, 0, 0, 0};
    c.correct(step, 0, load.data());
    const std::vector<double> want = {2.5, 0.5, 0.5, 0.5};
    for (int e = 0; e < kExperts; ++e) EXPECT_NEAR(load[e], want[e], 1e-12);
    c.observe(step);
    // A step whose forecast was never made leaves the running error as it was.
    Step other = step;
    other.index = 7;
    c.observe(other);
    step.index = 2;
    load = {4, 0, 0, 0};
    c.correct(step, 0, load.data());
    EXPECT_NEAR(load[0], 2.5 - 0.5 * 1.5, 1e-12);  // step 1's error folded in, not step 7's
    load = {0, 0, 0, 0};
    c.correct(step, 0, load.data());
    EXPECT_EQ(load[0], 0);  // never below zero
    EXPECT_THROW(LoadBiasCorrection(shape, 1.5), Error);
    EXPECT_FALSE(LoadBiasCorrection(shape, 0).enabled());
}

// A linear router over 8 inputs, learned by a network whose hidden layers are one unit wide:
// through them alone it can tell apart at most a few of the 4 experts; its linear path carries
// the router itself.
int hitsAfter(bool linear, int steps) {
    WorkloadShape shape{1, kExperts, 1};
    shape.hiddenDim = 8;
    FfnTokenOptions o;
    o.learningRate = 0.01;
    o.hidden1 = o.hidden2 = 1;
    o.linearSkip = linear;
    FfnTokenPredictor p(o, shape);
    std::mt19937 rng(5);
    std::normal_distribution<float> h;
    std::vector<float> w(8 * kExperts), hidden;
    for (float& x : w) x = h(rng);
    std::vector<int32_t> ids;
    auto stepOf = [&] {
        hidden.clear();
        ids.clear();
        for (int t = 0; t < 256; ++t) {
            int best = 0;
            std::vector<float> z(kExperts, 0.0f);
            for (int d = 0; d < 8; ++d) hidden.push_back(h(rng));
            for (int e = 0; e < kExperts; ++e) {
                for (int d = 0; d < 8; ++d) z[e] += w[d * kExperts + e] * hidden[t * 8 + d];
                if (z[e] > z[best]) best = e;
            }
            ids.push_back(best);
        }
        Step s;
        s.tokens = 256;
        s.experts = ids;
        s.hidden = hidden;
        return s;
    };
    for (int i = 0; i < steps; ++i) p.observe(stepOf());
    const Step s = stepOf();
    std::vector<int32_t> guess(256);
    p.predict(s, 0, guess.data());
    int hits = 0;
    for (int t = 0; t < 256; ++t) hits += guess[t] == ids[t];
    return hits;
}

TEST(FfnLinearPath, CarriesALinearRouterTheHiddenLayersCannot) {
    const int with = hitsAfter(true, 40), without = hitsAfter(false, 40);
    EXPECT_GE(with, 200) << "of 256 (measured 215)";
    EXPECT_LE(without, 140) << "of 256 (measured 92)";
}

// replay=1 trains on the step before again beside each new one: after steps A then B, the same
// updates as a network without replay that saw A, A, B (the same Adam steps in the same order).
TEST(FfnReplay, TrainsOnTheStepBeforeAgain) {
    WorkloadShape shape{1, kExperts, 1};
    shape.hiddenDim = 3;
    std::mt19937 rng(9);
    std::normal_distribution<float> h;
    std::vector<float> hiddenA(64 * 3), hiddenB(64 * 3);
    std::vector<int32_t> idsA(64), idsB(64);
    for (float& x : hiddenA) x = h(rng);
    for (float& x : hiddenB) x = h(rng);
    for (int t = 0; t < 64; ++t) idsA[t] = t % kExperts, idsB[t] = (t / 3) % kExperts;
    Step a, b;
    a.tokens = b.tokens = 64;
    a.hidden = hiddenA, a.experts = idsA, b.hidden = hiddenB, b.experts = idsB;
    FfnTokenOptions o;
    o.batch = 16;
    FfnTokenOptions withReplay = o;
    withReplay.replay = 1;
    FfnTokenPredictor replayed(withReplay, shape), plain(o, shape);
    replayed.observe(a);
    replayed.observe(b);
    for (const Step* s : {&a, &a, &b}) plain.observe(*s);
    std::vector<double> x(kExperts), y(kExperts);
    replayed.predictLoad(b, 0, shape, x.data());
    plain.predictLoad(b, 0, shape, y.data());
    EXPECT_EQ(x, y);
    FfnTokenPredictor once(o, shape);
    once.observe(a);
    once.observe(b);
    once.predictLoad(b, 0, shape, y.data());
    EXPECT_NE(x, y);  // without replay it learns otherwise
    withReplay.replay = 17;
    EXPECT_THROW(FfnTokenPredictor(withReplay, shape), Error);
}

// Layer 0's network on model inputs: a router whose choice depends on the token before (as
// layer 0 routes after the first attention) is learnt with the inputs of two tokens side by
// side, not with the token's own alone.
int firstLayerHits(int inputs) {
    WorkloadShape shape{1, kExperts, 1};
    shape.hiddenDim = 2;
    shape.hasModelInput = shape.hasPositions = shape.hasSequenceIds = true;
    FfnTokenOptions o;
    o.learningRate = 0.01;
    o.epochsPerStep = 2;
    ModelInputGate gate(o, shape, inputs);
    std::mt19937 rng(7);
    std::normal_distribution<float> h;
    std::vector<float> x;
    std::vector<int32_t> ids, sequences, positions;
    auto stepOf = [&] {
        x.clear();
        ids.clear();
        sequences.clear();
        positions.clear();
        for (int t = 0; t < 128; ++t) {
            x.insert(x.end(), {h(rng), h(rng)});
            sequences.push_back(t / 2);  // pairs: the second token routes by the first's input
            positions.push_back(t % 2);
            const float* before = x.data() + (t % 2 ? 2 * (t - 1) : 2 * t);
            ids.push_back((before[0] > 0 ? 2 : 0) + (x[2 * t + 1] > 0 ? 1 : 0));
        }
        Step s;
        s.tokens = 128;
        s.experts = ids;
        s.modelInput = x;
        s.sequenceIds = sequences;
        s.positions = positions;
        return s;
    };
    for (int i = 0; i < 150; ++i) gate.observe(stepOf());
    const Step s = stepOf();
    std::vector<int32_t> guess(128);
    gate.predict(s, guess.data());
    int hits = 0;
    for (int t = 1; t < 128; t += 2) hits += guess[t] == ids[t];  // the second tokens
    return hits;
}

TEST(ModelInputGate, ReadsTheInputsOfTheTokensBefore) {
    const int two = firstLayerHits(2), one = firstLayerHits(1);
    EXPECT_GE(two, 56) << "of 64: at least 7 in 8 right (one input: " << one << ")";
    EXPECT_LE(one, 44) << "of 64: its own input alone cannot know the token before";
    WorkloadShape none{1, kExperts, 1};
    none.hiddenDim = 2;
    EXPECT_THROW(ModelInputGate(FfnTokenOptions{}, none, 2), Error) << "no model input carried";
    none.hasModelInput = true;
    EXPECT_THROW(ModelInputGate(FfnTokenOptions{}, none, 5), Error);
}

}  // namespace
}  // namespace moe
