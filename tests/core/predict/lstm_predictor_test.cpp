// The LSTM predictor on series with a known answer (constant, period 4, step change), in both
// training modes, and its options. Sizes are tiny so the whole file runs in well under a second.
#include "core/predict/lstm_predictor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "core/common/error.h"

namespace moe {
namespace {

// Shares of L layers x E experts from unnormalised weights (each layer sums to 1).
LoadShares makeShares(int L, int E, const std::vector<double>& w) {
    LoadShares s(L, E);
    for (int l = 0; l < L; ++l) {
        double sum = 0;
        for (int e = 0; e < E; ++e) sum += w[l * E + e];
        for (int e = 0; e < E; ++e) s.at(l, e) = static_cast<float>(w[l * E + e] / sum);
    }
    return s;
}

double meanAbsError(const Forecast& f, int h, const LoadShares& truth) {
    double sum = 0;
    for (int l = 0; l < truth.layers; ++l)
        for (int e = 0; e < truth.experts; ++e) sum += std::abs(f.at(h, l, e) - truth.at(l, e));
    return sum / truth.p.size();
}

double meanAbsError(const LoadShares& a, const LoadShares& b) {
    double sum = 0;
    for (size_t i = 0; i < a.p.size(); ++i) sum += std::abs(a.p[i] - b.p[i]);
    return sum / a.p.size();
}

LstmOptions smallLstm() {
    LstmOptions o;
    o.hidden = 12;
    o.window = 16;
    o.epochs = 40;
    o.learningRate = 1e-2;
    return o;
}

TEST(LstmPredictor, ConstantSharesOnlineTraining) {
    const LoadShares c = makeShares(2, 4, {5, 1, 1, 1, 1, 2, 3, 4});
    LstmOptions o = smallLstm();
    o.trainSteps = 48;
    LstmPredictor p(o);
    Forecast f;
    for (int t = 0; t < o.trainSteps - 1; ++t) p.observe(t, c);
    EXPECT_FALSE(p.trained());
    p.forecast(3, f);  // untrained: the last observed shares, flat
    EXPECT_TRUE(f.flat());
    EXPECT_FLOAT_EQ(f.at(3, 0, 0), c.at(0, 0));
    p.observe(o.trainSteps - 1, c);  // the trainSteps-th step trains
    ASSERT_TRUE(p.trained());
    p.observe(o.trainSteps, c);
    p.forecast(10, f);
    EXPECT_FALSE(f.flat());
    for (int h = 1; h <= 10; ++h) EXPECT_LT(meanAbsError(f, h, c), 1e-3) << "h=" << h;
    EXPECT_GT(p.trainingSeconds(), 0.0);
    EXPECT_LT(p.finalTrainingLoss(), 1e-4);
    EXPECT_GT(p.microsecondsPerForecast(), 0.0);
}

// Four distinct distributions in turn: the next step is fully determined by the current one,
// while the last value is always wrong.
std::vector<LoadShares> periodic(int steps, int phase) {
    const std::vector<std::vector<double>> base{{8, 1, 1, 1, 1, 1, 1, 8},
                                                {1, 8, 1, 1, 1, 1, 8, 1},
                                                {1, 1, 8, 1, 1, 8, 1, 1},
                                                {1, 1, 1, 8, 8, 1, 1, 1}};
    std::vector<LoadShares> v;
    for (int t = 0; t < steps; ++t) v.push_back(makeShares(2, 4, base[(t + phase) % 4]));
    return v;
}

TEST(LstmPredictor, PeriodFourPatternBeatsLastValue) {
    LstmPredictor p(smallLstm());
    p.train(periodic(160, 0));  // one run ...
    ASSERT_TRUE(p.trained());
    const auto test = periodic(60, 1);  // ... tested on another, out of phase
    Forecast f;
    double lstm = 0, last = 0, lstm4 = 0;
    int n = 0;
    for (int t = 0; t + 4 < static_cast<int>(test.size()); ++t) {
        p.observe(t, test[t]);
        if (t < 4) continue;  // the state needs a step or two to pick up the phase
        p.forecast(4, f);
        lstm += meanAbsError(f, 1, test[t + 1]);
        lstm4 += meanAbsError(f, 4, test[t + 4]);
        last += meanAbsError(test[t], test[t + 1]);
        ++n;
    }
    lstm /= n, last /= n, lstm4 /= n;
    std::printf("period 4: 1-step MAE lstm %.5f vs last value %.5f; 4-step lstm %.5f\n", lstm, last,
                lstm4);
    EXPECT_LT(lstm, 0.05 * last);
    EXPECT_LT(lstm4, 0.1 * last);  // the rollout keeps the rhythm
}

TEST(LstmPredictor, StepChangeIsFollowed) {
    const LoadShares a = makeShares(2, 4, {6, 2, 1, 1, 1, 1, 2, 6});
    const LoadShares b = makeShares(2, 4, {1, 1, 2, 6, 6, 2, 1, 1});
    // A run with regime switches at irregular times, so no switch can be anticipated.
    std::vector<LoadShares> train;
    const int lengths[] = {17, 31, 23, 40, 12, 29, 35};
    for (int block = 0; block < 7; ++block)
        for (int t = 0; t < lengths[block]; ++t) train.push_back(block % 2 ? b : a);
    LstmPredictor p(smallLstm());
    p.train(train);
    Forecast f;
    for (int t = 0; t < 20; ++t) p.observe(t, a);
    p.forecast(1, f);
    const double before = meanAbsError(f, 1, a), gap = meanAbsError(a, b);
    for (int t = 20; t < 23; ++t) p.observe(t, b);  // the change, three steps in
    p.forecast(1, f);
    const double after = meanAbsError(f, 1, b);
    std::printf("step change: MAE to the level %.5f before, %.5f after (levels differ by %.5f)\n",
                before, after, gap);
    EXPECT_LT(before, 0.1 * gap);
    EXPECT_LT(after, 0.1 * gap);
}

TEST(LstmPredictor, ExplicitTrainingReplaysObservedStepsAndChecksShapes) {
    const auto series = periodic(40, 0);
    LstmOptions o = smallLstm();
    o.epochs = 5;
    LstmPredictor p(o), q(o);
    for (int t = 0; t < 10; ++t) p.observe(t, series[t]);
    p.train(series);
    q.train(series);
    for (int t = 0; t < 10; ++t) q.observe(t, series[t]);
    Forecast fp, fq;
    p.forecast(2, fp);
    q.forecast(2, fq);
    for (int l = 0; l < 2; ++l)
        for (int e = 0; e < 4; ++e) EXPECT_NEAR(fp.at(2, l, e), fq.at(2, l, e), 1e-6);
    EXPECT_THROW(p.observe(10, LoadShares(3, 4)), Error);
    EXPECT_THROW(p.forecast(0, fp), Error);
    EXPECT_THROW(p.train(std::vector<LoadShares>(1, series[0])), Error);
    LstmPredictor fresh(o);
    EXPECT_THROW(fresh.forecast(1, fp), Error);  // nothing observed yet
}

TEST(LstmOptions, ValidateNamesTheBadField) {
    auto message = [](LstmOptions o) {
        try {
            o.validate();
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    LstmOptions o;
    EXPECT_EQ(message(o), "");
    o.hidden = 0;
    EXPECT_NE(message(o).find("hidden"), std::string::npos);
    o = {};
    o.layers = 0;
    EXPECT_NE(message(o).find("layers"), std::string::npos);
    o = {};
    o.window = 0;
    EXPECT_NE(message(o).find("window"), std::string::npos);
    o = {};
    o.epochs = 0;
    EXPECT_NE(message(o).find("epochs"), std::string::npos);
    o = {};
    o.learningRate = -1;
    EXPECT_NE(message(o).find("lr"), std::string::npos);
    o = {};
    o.clip = -1;
    EXPECT_NE(message(o).find("clip"), std::string::npos);
    o = {};
    o.trainSteps = 1;
    EXPECT_NE(message(o).find("train_steps"), std::string::npos);
    o = {};
    o.hidden = 0;
    EXPECT_THROW(LstmPredictor{o}, Error);
}

TEST(LstmOptions, ParseAndDescribeRoundTrip) {
    const LstmOptions d;
    EXPECT_EQ(d.describe(),
              "hidden=64,layers=1,window=32,epochs=20,lr=0.003,clip=1,train_steps=500,seed=1");
    const LstmOptions o = LstmOptions::parse("hidden=8,layers=2,lr=0.01,train_steps=100,seed=9");
    EXPECT_EQ(o.hidden, 8);
    EXPECT_EQ(o.layers, 2);
    EXPECT_DOUBLE_EQ(o.learningRate, 0.01);
    EXPECT_EQ(o.trainSteps, 100);
    EXPECT_EQ(o.seed, 9u);
    EXPECT_EQ(LstmOptions::parse(o.describe()).describe(), o.describe());
    EXPECT_EQ(LstmOptions::parse("").describe(), d.describe());
    EXPECT_THROW(LstmOptions::parse("hiden=8"), Error);
    EXPECT_THROW(LstmOptions::parse("hidden=8x"), Error);
    EXPECT_THROW(LstmOptions::parse("lr=fast"), Error);
    EXPECT_THROW(LstmOptions::parse("window=0"), Error);
    LstmPredictor p(o);
    EXPECT_EQ(p.name(), "lstm");
    EXPECT_EQ(p.parameters(), o.describe());
}

}  // namespace
}  // namespace moe
