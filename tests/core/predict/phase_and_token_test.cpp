// The phase detector on a series with a known transient-then-stable shape; the Token-to-Expert
// frequency predictors on hand-made routing; Distribution-Only from the GPT-OSS category table.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>

#include "core/common/error.h"
#include "core/predict/category_table.h"
#include "core/predict/ffn_token_predictor.h"
#include "core/predict/phase_detector.h"
#include "core/predict/token_evaluator.h"
#include "core/workload/synthetic_workload.h"

namespace moe {
namespace {

TEST(PhaseDetector, FindsTheStablePhaseAfterANoisyStart) {
    PhaseOptions o;
    o.window = 10;
    o.hold = 20;
    o.varianceThreshold = 1e-4;
    o.rangeThreshold = 0.02;
    PhaseDetector d(o);
    std::mt19937 rng(1);
    std::uniform_real_distribution<double> noise(-0.2, 0.2);
    for (int t = 0; t < 300; ++t) {
        LoadShares s(2, 2);
        // Layer 0: wild for 100 steps, then calm. Layer 1: calm from the start.
        const double x0 = t < 100 ? 0.5 + noise(rng) : 0.5 + 0.001 * ((t % 2) ? 1 : -1);
        s.at(0, 0) = static_cast<float>(x0);
        s.at(0, 1) = static_cast<float>(1 - x0);
        s.at(1, 0) = 0.3f;
        s.at(1, 1) = 0.7f;
        d.push(t, s);
    }
    const auto seg = d.segments();
    ASSERT_EQ(seg[0].size(), 2u);
    EXPECT_FALSE(seg[0][0].stable);
    EXPECT_TRUE(seg[0][1].stable);
    // Calm from step 100; the window holds only calm steps from step 109 on.
    EXPECT_EQ(seg[0][1].begin, 109);
    EXPECT_EQ(seg[0][1].end, 300);
    ASSERT_EQ(seg[1].size(), 2u);  // transient only until the first full window
    EXPECT_EQ(seg[1][1].begin, 9);
    EXPECT_TRUE(d.stable(0));
}

TEST(PhaseDetector, ReturnsToTransientOnAShift) {
    PhaseOptions o;
    o.window = 5;
    o.hold = 5;
    PhaseDetector d(o);
    for (int t = 0; t < 60; ++t) {
        LoadShares s(1, 2);
        const float x = t < 40 ? 0.5f : 0.9f;  // a jump at step 40
        s.at(0, 0) = x;
        s.at(0, 1) = 1 - x;
        d.push(t, s);
    }
    const auto seg = d.segments()[0];
    ASSERT_EQ(seg.size(), 4u);  // transient, stable, transient (the jump in the window), stable
    EXPECT_TRUE(seg[1].stable);
    EXPECT_EQ(seg[1].end, 40);
    EXPECT_FALSE(seg[2].stable);
    EXPECT_EQ(seg[3].begin, 44);
}

// Shares of one layer, two experts: 0.5 (then `level` from step `shiftAt`) plus i.i.d. noise
// of standard deviation 0.03, like the noisy small steps of the live training workload.
std::vector<LoadShares> noisySeries(int steps, int shiftAt = -1, double level = 0.5) {
    std::mt19937 rng(7);
    std::normal_distribution<double> noise(0.0, 0.03);
    std::vector<LoadShares> out;
    for (int t = 0; t < steps; ++t) {
        LoadShares s(1, 2);
        const double x = (shiftAt >= 0 && t >= shiftAt ? level : 0.5) + noise(rng);
        s.at(0, 0) = static_cast<float>(x);
        s.at(0, 1) = static_cast<float>(1 - x);
        out.push_back(s);
    }
    return out;
}

PhaseOptions smoothed(int smooth) {
    PhaseOptions o;  // defaults: window 100, variance 1e-4, range 0.05, hold 100
    o.smooth = smooth;
    return o;
}

TEST(PhaseDetector, SmoothOneIsTheRawDetector) {
    const auto series = noisySeries(400, 200, 0.52);
    PhaseOptions raw;
    raw.window = 20;
    raw.hold = 10;
    raw.varianceThreshold = 1e-3;
    raw.rangeThreshold = 0.15;
    PhaseOptions one = raw;
    one.smooth = 1;
    PhaseDetector a(raw), b(one);
    for (int t = 0; t < 400; ++t) {
        a.push(t, series[t]);
        b.push(t, series[t]);
        ASSERT_EQ(a.variance(0), b.variance(0));
        ASSERT_EQ(a.range(0), b.range(0));
        ASSERT_EQ(a.stable(0), b.stable(0));
    }
    // The statistics are those of the raw last-W shares.
    double sum = 0, sq = 0, lo = 1, hi = 0;
    for (int t = 380; t < 400; ++t) {
        const double x = series[t].at(0, 0);
        sum += x;
        lo = std::min(lo, x);
        hi = std::max(hi, x);
    }
    for (int t = 380; t < 400; ++t) sq += std::pow(series[t].at(0, 0) - sum / 20, 2);
    EXPECT_NEAR(a.variance(0), sq / 20, 1e-12);
    EXPECT_NEAR(a.range(0), hi - lo, 1e-12);
}

TEST(PhaseDetector, SmoothingLetsNoisySharesAroundAConstantGoStable) {
    const auto series = noisySeries(2000);
    PhaseDetector raw(smoothed(1)), smooth(smoothed(64));
    for (int t = 0; t < 2000; ++t) {
        raw.push(t, series[t]);
        smooth.push(t, series[t]);
    }
    // Raw: noise variance 9e-4 and ranges ~0.15 over 100 steps: never stable.
    const auto r = raw.segments()[0];
    ASSERT_EQ(r.size(), 1u);
    EXPECT_FALSE(r[0].stable);
    EXPECT_GT(raw.variance(0), 1e-4);
    // Mean of 64 steps: variance ~1.4e-5, stable from the first full window, which needs
    // 64 + 100 - 1 steps (the first at step 162).
    const auto s = smooth.segments()[0];
    ASSERT_EQ(s.size(), 2u);
    EXPECT_FALSE(s[0].stable);
    EXPECT_TRUE(s[1].stable);
    EXPECT_EQ(s[1].begin, 162);
    EXPECT_EQ(s[1].end, 2000);
    // The statistics are those of the running 64-step means over the last 100 steps.
    std::vector<double> means;
    for (int t = 1900; t < 2000; ++t) {
        double m = 0;
        for (int u = t - 63; u <= t; ++u) m += series[u].at(0, 0);
        means.push_back(m / 64);
    }
    double mean = 0, var = 0;
    for (double m : means) mean += m / 100;
    for (double m : means) var += (m - mean) * (m - mean) / 100;
    const auto [lo, hi] = std::minmax_element(means.begin(), means.end());
    EXPECT_NEAR(smooth.variance(0), var, 1e-9);
    EXPECT_NEAR(smooth.range(0), *hi - *lo, 1e-6);
}

TEST(PhaseDetector, SmoothingStillShowsALevelShiftAsTransient) {
    const auto series = noisySeries(2000, 1000, 0.6);  // the share jumps by 0.1 at step 1000
    PhaseDetector d(smoothed(64));
    for (int t = 0; t < 2000; ++t) d.push(t, series[t]);
    const auto s = d.segments()[0];
    ASSERT_EQ(s.size(), 4u);  // transient, stable, transient (the shift), stable again
    EXPECT_TRUE(s[1].stable);
    EXPECT_EQ(s[1].begin, 162);
    // The smoothed share ramps over 64 steps, so the range passes 0.05 within them.
    EXPECT_FALSE(s[2].stable);
    EXPECT_GE(s[2].begin, 1000);
    EXPECT_LE(s[2].begin, 1064);
    // Stable again once the window has left the ramp (at the latest 64 + 100 - 1 steps on).
    EXPECT_TRUE(s[3].stable);
    EXPECT_GT(s[3].begin, s[2].begin + 50);
    EXPECT_LE(s[3].begin, 1162);
}

TEST(PhaseDetector, RejectsSmoothBelowOne) { EXPECT_THROW(PhaseDetector{smoothed(0)}, Error); }

// Two layers, 4 experts, top-2; token at position p routes to experts {p%4, (p+1)%4} in
// layer 0 and always {3, 2} in layer 1.
struct HandRouting {
    WorkloadShape shape{2, 4, 2, false, true, true, false, 0};
    std::vector<int32_t> ids, positions, seqs;
    Step step(int64_t index, int T) {
        ids.clear();
        positions.clear();
        seqs.assign(T, 0);
        for (int t = 0; t < T; ++t) positions.push_back(t);
        for (int l = 0; l < 2; ++l)
            for (int t = 0; t < T; ++t) {
                ids.push_back(l == 0 ? t % 4 : 3);
                ids.push_back(l == 0 ? (t + 1) % 4 : 2);
            }
        Step s;
        s.index = index;
        s.tokens = T;
        s.experts = ids;
        s.positions = positions;
        s.sequenceIds = seqs;
        return s;
    }
};

TEST(TokenPredictors, PositionKeyLearnsPositionalRoutingFrequencyDoesNot) {
    HandRouting r;
    std::vector<std::unique_ptr<TokenPredictor>> ps;
    ps.push_back(
        std::make_unique<FrequencyTokenPredictor>(FrequencyTokenPredictor::Key::Position, r.shape));
    ps.push_back(
        std::make_unique<FrequencyTokenPredictor>(FrequencyTokenPredictor::Key::None, r.shape));
    TokenEvaluator ev(std::move(ps), r.shape);
    ev.push(r.step(0, 8));  // learning step: nothing known yet
    for (int s = 1; s <= 10; ++s) ev.push(r.step(s, 8));
    const auto& pos = ev.scores()[0];
    const auto& freq = ev.scores()[1];
    // After the first step, position predicts both layers perfectly. In the first step every
    // count is 0 and ties give {0, 1}: layer 0's tokens 0 and 4 are right (2 of 16 first
    // choices) with overlaps 1, 1/2, 0, 1/2 per 4 tokens; layer 1 ({3, 2}) is all wrong.
    EXPECT_NEAR(pos.accuracy(), (160.0 + 2) / 176, 1e-9);
    EXPECT_NEAR(pos.topKOverlap(), (160.0 + 4) / 176, 1e-9);
    // Frequency gets layer 1 right (always {3,2}) but not the positional layer 0.
    EXPECT_LT(freq.accuracy(), 0.75);
    EXPECT_GT(freq.accuracy(), 0.4);
    EXPECT_EQ(pos.tokens, 11 * 8 * 2);
}

TEST(TokenPredictors, SinkReceivesEveryScoredStepAndLayerAsHorizonOne) {
    // What `predict` records: one error per (step, layer) after the first step, named by the
    // step learnt from, horizon 1, and the same metrics the score averages.
    HandRouting r;
    std::vector<std::unique_ptr<TokenPredictor>> ps;
    ps.push_back(
        std::make_unique<FrequencyTokenPredictor>(FrequencyTokenPredictor::Key::Position, r.shape));
    TokenEvaluator ev(std::move(ps), r.shape);
    std::vector<PredictionError> got;
    ev.setSink([&](const PredictionError& e) { got.push_back(e); });
    for (int s = 0; s <= 5; ++s) ev.push(r.step(s, 8));
    ASSERT_EQ(got.size(), 5u * r.shape.layers);
    double relativeSum = 0;
    for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].predictor, 0);
        EXPECT_EQ(got[i].horizon, 1);
        EXPECT_EQ(got[i].step, static_cast<int64_t>(i / r.shape.layers));
        EXPECT_EQ(got[i].layer, static_cast<int>(i % r.shape.layers));
        relativeSum += got[i].metrics.relative;
    }
    // After step 0 the position key predicts every token: all recorded errors are 0, while
    // the score also holds step 0's (wrong) guesses.
    EXPECT_EQ(relativeSum, 0.0);
    EXPECT_GT(ev.scores()[0].loads.mean().relative, 0.0);
}

TEST(TokenPredictors, TokenIdPredictorNeedsTokenIds) {
    HandRouting r;
    EXPECT_THROW(FrequencyTokenPredictor(FrequencyTokenPredictor::Key::TokenId, r.shape), Error);
    r.shape.hasPositions = false;
    EXPECT_THROW(FrequencyTokenPredictor(FrequencyTokenPredictor::Key::Position, r.shape), Error);
}

TEST(CategoryTable, GptOssDistributionSumsToOnePerLayer) {
    std::string path;
    try {
        path = defaultCategoryTablePath();
    } catch (const Error& e) {
        GTEST_SKIP() << "no GPT-OSS category table here: " << e.what();
    }
    const LoadShares all = readCategoryDistribution(path, {"", "", ""});
    const LoadShares mmlu = readCategoryDistribution(path, {"mmlu_test", "", "answer"});
    for (int l = 0; l < 24; ++l) {
        double a = 0, b = 0;
        for (int e = 0; e < 32; ++e) {
            a += all.at(l, e);
            b += mmlu.at(l, e);
        }
        EXPECT_NEAR(a, 1.0, 1e-5);
        EXPECT_NEAR(b, 1.0, 1e-5);
    }
    EXPECT_THROW(readCategoryDistribution(path, {"no_such_dataset", "", ""}), Error);
}

}  // namespace
}  // namespace moe

namespace moe {
namespace {

TEST(FfnTokenPredictor, LearnsRoutingFromSyntheticHiddenStates) {
    SyntheticParams p;
    p.layers = 2;
    p.experts = 8;
    p.topK = 2;
    p.tokensPerStep = 256;
    p.skew = 1.5;
    p.hiddenDim = 32;
    p.hiddenNoise = 0.3;
    SyntheticWorkload w(p);
    std::vector<std::unique_ptr<TokenPredictor>> ps;
    FfnTokenOptions o;
    o.hidden1 = 32;
    o.hidden2 = 16;
    o.learningRate = 3e-3;
    o.batch = 64;
    ps.push_back(std::make_unique<FfnTokenPredictor>(o, w.shape()));
    ps.push_back(
        std::make_unique<FrequencyTokenPredictor>(FrequencyTokenPredictor::Key::None, w.shape()));
    TokenEvaluator ev(std::move(ps), w.shape());
    Step s;
    for (int i = 0; i < 40; ++i) {
        ASSERT_TRUE(w.next(s));
        ev.push(s);
    }
    // Scores cover all 40 steps including the untrained start; the FFN still clearly beats
    // the best hidden-state-blind guess.
    EXPECT_GT(ev.scores()[0].accuracy(), 0.6);
    EXPECT_GT(ev.scores()[0].topKOverlap(), ev.scores()[1].topKOverlap() + 0.2);
}

// hard=1: a layer's load is the count of the tokens' top-k guesses, not summed softmaxes.
TEST(FfnTokenPredictor, HardLoadCountsTheTopKGuesses) {
    SyntheticParams p;
    p.layers = 2;
    p.experts = 8;
    p.topK = 2;
    p.tokensPerStep = 64;
    p.hiddenDim = 8;
    SyntheticWorkload w(p);
    FfnTokenOptions o;
    o.hardLoad = true;
    FfnTokenPredictor hard(o, w.shape());
    EXPECT_NE(hard.parameters().find("hard=1"), std::string::npos);
    Step s;
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(w.next(s));
        hard.observe(s);
    }
    ASSERT_TRUE(w.next(s));
    std::vector<int32_t> ids(64 * 2);
    hard.predict(s, 1, ids.data());
    std::vector<double> counted(8, 0.0), load(8, -1.0);
    for (int32_t e : ids) counted[e] += 1;
    hard.predictLoad(s, 1, w.shape(), load.data());
    EXPECT_EQ(load, counted);
}

TEST(FfnTokenPredictor, RefusesAWorkloadWithoutHiddenStates) {
    WorkloadShape shape{2, 8, 2, false, true, true, false, 0};
    EXPECT_THROW(FfnTokenPredictor({}, shape), Error);
}

}  // namespace
}  // namespace moe
