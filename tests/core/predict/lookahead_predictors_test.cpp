// The token-level predictors the what-if plans from during a step: each forecast of layer l
// is the same whatever layers l.. of the step hold (the proof that none reads routing it could
// not have had), and each learns what it is built to learn: cross-layer affinity, a pre-gate
// on the layer before's router input, a sequence's own history.
#include <gtest/gtest.h>

#include <random>

#include "core/common/error.h"
#include "core/predict/affinity_predictor.h"
#include "core/predict/predictor_factory.h"
#include "core/predict/pregate_predictor.h"
#include "core/predict/sequence_history_predictor.h"

namespace moe {
namespace {

constexpr int kLayers = 3, kExperts = 8, kTopK = 2, kTokens = 48, kHidden = 6;

WorkloadShape fullShape() {
    WorkloadShape s{kLayers, kExperts, kTopK};
    s.hasSequenceIds = s.hasPositions = s.hasTokenIds = true;
    s.hiddenDim = kHidden;
    s.hasModelInput = true;
    return s;
}

// A step that owns its buffers: random routing (k distinct experts a token), token ids,
// positions, 6 sequences, router inputs.
struct OwnedStep {
    std::vector<int32_t> experts, sequences, positions, tokens;
    std::vector<float> hidden, modelInput;
    Step step;

    OwnedStep(int64_t index, std::mt19937& rng) {
        std::uniform_int_distribution<int32_t> expert(0, kExperts - 1), token(0, 20);
        std::normal_distribution<float> h;
        for (int l = 0; l < kLayers; ++l)
            for (int t = 0; t < kTokens; ++t) {
                const int32_t a = expert(rng);
                int32_t b = expert(rng);
                if (b == a) b = (a + 1) % kExperts;
                experts.insert(experts.end(), {a, b});
            }
        for (int t = 0; t < kTokens; ++t) {
            sequences.push_back(t % 6);
            positions.push_back(static_cast<int32_t>(index));
            tokens.push_back(token(rng));
        }
        for (int i = 0; i < kLayers * kTokens * kHidden; ++i) hidden.push_back(h(rng));
        for (int i = 0; i < kTokens * kHidden; ++i) modelInput.push_back(h(rng));
        bind(index);
    }
    OwnedStep(const OwnedStep& o)
        : experts(o.experts),
          sequences(o.sequences),
          positions(o.positions),
          tokens(o.tokens),
          hidden(o.hidden),
          modelInput(o.modelInput) {
        bind(o.step.index);
    }
    void bind(int64_t index) {
        step.index = index;
        step.tokens = kTokens;
        step.experts = experts;
        step.sequenceIds = sequences;
        step.positions = positions;
        step.tokenIds = tokens;
        step.hidden = hidden;
        step.modelInput = modelInput;
    }
    // Layers `from`.. rewritten: other experts, other router inputs.
    void poisonFrom(int from, std::mt19937& rng) {
        const OwnedStep other(step.index, rng);
        const size_t pairs = static_cast<size_t>(from) * kTokens * kTopK;
        const size_t inputs = static_cast<size_t>(from) * kTokens * kHidden;
        std::copy(other.experts.begin() + pairs, other.experts.end(), experts.begin() + pairs);
        std::copy(other.hidden.begin() + inputs, other.hidden.end(), hidden.begin() + inputs);
    }
};

std::unique_ptr<TokenPredictor> make(const std::string& spec) {
    PredictorSet set;
    addPredictor(spec, fullShape(), set);
    return std::move(set.token.at(0));
}

class EveryTokenPredictor : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryTokenPredictor, ForecastOfALayerIgnoresThatLayerAndLaterOnes) {
    auto p = make(GetParam());
    std::mt19937 rng(7);
    for (int i = 0; i < 12; ++i) p->observe(OwnedStep(i, rng).step);
    const OwnedStep clean(12, rng);
    // Own-input classifiers (t2e_ffn) may read their own layer's input: poison after it.
    const int lag = p->readsOwnLayerInput() ? 1 : 0;
    for (int layer = 0; layer < kLayers; ++layer) {
        OwnedStep poisoned = clean;
        poisoned.poisonFrom(layer + lag, rng);
        std::vector<double> a(kExperts), b(kExperts);
        std::vector<int32_t> ia(kTokens * kTopK), ib(kTokens * kTopK);
        p->predictLoad(clean.step, layer, fullShape(), a.data());
        p->predictLoad(poisoned.step, layer, fullShape(), b.data());
        p->predict(clean.step, layer, ia.data());
        p->predict(poisoned.step, layer, ib.data());
        EXPECT_EQ(a, b) << GetParam() << " layer " << layer;
        EXPECT_EQ(ia, ib) << GetParam() << " layer " << layer;
        // The cut a what-if hands it gives the same figures as the whole step.
        p->predictLoad(routingKnownBefore(clean.step, layer + lag, fullShape()), layer, fullShape(),
                       b.data());
        EXPECT_EQ(a, b) << GetParam() << " layer " << layer << " on the cut step";
        double sum = 0;
        for (double x : a) sum += x;
        EXPECT_NEAR(sum, kTokens * kTopK, 1e-4) << "k pairs a token (float tables)";
    }
}

INSTANTIATE_TEST_SUITE_P(Families, EveryTokenPredictor,
                         ::testing::Values("t2e_freq", "t2e_position", "t2e_token", "t2e_ngram",
                                           "t2e_ngram:n=4,decay=0.6", "t2e_ffn", "t2e_ffn:linear=1",
                                           "pregate", "pregate:routing=1",
                                           "pregate:first_n=3,blend=0.3,linear=1",
                                           "pregate:first_inputs=2,first_blend=0.3",
                                           "pregate:nets=2,correct=0.1", "affinity",
                                           "seq_history"));

// Layer l+1's experts a fixed function of layer l's: affinity learns it exactly.
TEST(Affinity, LearnsADeterministicLayerToLayerMapExactly) {
    const WorkloadShape shape{2, kExperts, 1};
    AffinityPredictor p(shape, 1.0);
    std::mt19937 rng(3);
    std::uniform_int_distribution<int32_t> expert(0, kExperts - 1);
    auto stepOf = [&](std::vector<int32_t>& ids) {
        ids.clear();
        for (int t = 0; t < 40; ++t) ids.push_back(expert(rng));
        for (int t = 0; t < 40; ++t) ids.push_back((ids[t] * 3 + 1) % kExperts);
        Step s;
        s.tokens = 40;
        s.experts = ids;
        return s;
    };
    std::vector<int32_t> ids;
    for (int i = 0; i < 20; ++i) p.observe(stepOf(ids));
    const Step s = stepOf(ids);
    std::vector<int32_t> guess(40);
    p.predict(s, 1, guess.data());
    std::vector<double> load(kExperts), truth(kExperts, 0);
    p.predictLoad(s, 1, shape, load.data());
    for (int t = 0; t < 40; ++t) {
        EXPECT_EQ(guess[t], ids[40 + t]);
        truth[ids[40 + t]] += 1;
    }
    for (int e = 0; e < kExperts; ++e) EXPECT_NEAR(load[e], truth[e], 1e-9);
    EXPECT_THROW(AffinityPredictor(shape, 0.0), Error);
}

// Each sequence keeps to its own two experts: after one step of each, forecasts are exact;
// a new sequence gets the layer's frequency; finished sequences are forgotten.
TEST(SequenceHistory, FollowsEachSequenceAndForgetsFinishedOnes) {
    const WorkloadShape shape = fullShape();
    SequenceHistoryPredictor p(shape, 8);
    std::mt19937 rng(5);
    OwnedStep s(0, rng);
    for (int t = 0; t < kTokens; ++t)
        for (int l = 0; l < kLayers; ++l) {
            const size_t at = (static_cast<size_t>(l) * kTokens + t) * kTopK;
            s.experts[at] = s.sequences[t];
            s.experts[at + 1] = s.sequences[t] + 1;
        }
    p.observe(s.step);
    EXPECT_EQ(p.sequencesKept(), 6u);
    std::vector<int32_t> guess(kTokens * kTopK);
    p.predict(s.step, 2, guess.data());
    for (int t = 0; t < kTokens; ++t) {
        EXPECT_EQ(std::min(guess[2 * t], guess[2 * t + 1]), s.sequences[t]);
        EXPECT_EQ(std::max(guess[2 * t], guess[2 * t + 1]), s.sequences[t] + 1);
    }
    OwnedStep next = s;
    for (int32_t& q : next.sequences) q = q < 3 ? q : q + 100;  // 3 finished, 3 new
    p.observe(next.step);
    EXPECT_EQ(p.sequencesKept(), 6u) << "the 3 finished sequences are dropped";
    EXPECT_THROW(SequenceHistoryPredictor(WorkloadShape{2, 8, 2}, 8), Error);
}

// Layer 1's experts follow the sign pattern of layer 0's router input: a pre-gate reading
// layer 0's input learns it; layer 0 itself falls back to frequencies.
TEST(PreGate, LearnsTheNextLayersRoutingFromThisLayersInput) {
    WorkloadShape shape{2, 4, 1};
    shape.hiddenDim = 4;
    FfnTokenOptions o;
    o.learningRate = 0.01;
    o.epochsPerStep = 2;
    PreGatePredictor p(o, shape);
    std::mt19937 rng(11);
    std::normal_distribution<float> h;
    std::vector<int32_t> ids;
    std::vector<float> hidden;
    auto stepOf = [&] {
        ids.assign(2 * 64, 0);
        hidden.clear();
        for (int i = 0; i < 2 * 64 * 4; ++i) hidden.push_back(h(rng));
        for (int t = 0; t < 64; ++t) {
            const float* x = hidden.data() + t * 4;
            ids[t] = t % 4;
            ids[64 + t] = (x[0] > 0 ? 2 : 0) + (x[1] > 0 ? 1 : 0);
        }
        Step s;
        s.tokens = 64;
        s.experts = ids;
        s.hidden = hidden;
        return s;
    };
    for (int i = 0; i < 150; ++i) p.observe(stepOf());
    const Step s = stepOf();
    std::vector<int32_t> guess(64);
    p.predict(s, 1, guess.data());
    int hits = 0;
    for (int t = 0; t < 64; ++t) hits += guess[t] == ids[64 + t];
    EXPECT_GE(hits, 56) << "at least 7 in 8 right";
    EXPECT_THROW(PreGatePredictor(o, WorkloadShape{2, 4, 1}), Error) << "needs router inputs";
}

// Layer 0 has no earlier router input: with token ids, its guess is each id's own experts.
TEST(PreGate, FirstLayerFollowsTheTokenId) {
    WorkloadShape shape{2, 4, 1};
    shape.hiddenDim = 2;
    shape.hasTokenIds = true;
    PreGatePredictor p(FfnTokenOptions{}, shape);
    std::vector<int32_t> ids(2 * 32), tokens(32);
    std::vector<float> hidden(2 * 32 * 2, 0.5f);
    for (int t = 0; t < 32; ++t) {
        tokens[t] = 100 + t % 3;  // id 100 -> expert 0, 101 -> 1, 102 -> 2; expert 3 never
        ids[t] = t % 3;
        ids[32 + t] = 3;
    }
    Step s;
    s.tokens = 32;
    s.experts = ids;
    s.hidden = hidden;
    s.tokenIds = tokens;
    for (int i = 0; i < 5; ++i) p.observe(s);
    std::vector<int32_t> guess(32);
    p.predict(s, 0, guess.data());
    for (int t = 0; t < 32; ++t) EXPECT_EQ(guess[t], t % 3) << "token " << t;
}

}  // namespace
}  // namespace moe
