// The synthetic generator: reproducible for a seed, k distinct experts per token, and its
// measured skewness matches the target the Zipf exponent was solved for.
#include "core/workload/synthetic_workload.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <vector>

#include "core/common/error.h"
#include "core/stats/load_matrix.h"
#include "core/workload/zipf_skew.h"

namespace moe {
namespace {

SyntheticParams small() {
    SyntheticParams p;
    p.layers = 3;
    p.experts = 16;
    p.topK = 2;
    p.tokensPerStep = 64;
    p.steps = 5;
    p.skew = 2.0;
    return p;
}

std::vector<std::vector<int32_t>> allSteps(const SyntheticParams& p) {
    SyntheticWorkload w(p);
    std::vector<std::vector<int32_t>> out;
    Step step;
    while (w.next(step)) {
        EXPECT_EQ(step.index, static_cast<int64_t>(out.size()));
        EXPECT_EQ(step.tokens, p.tokensPerStep);
        out.emplace_back(step.experts.begin(), step.experts.end());
    }
    return out;
}

TEST(ZipfSkew, InclusionProbabilityIsExactForTopOne) {
    const auto w = zipfWeights(32, 0.8);
    for (int e : {0, 5, 31}) EXPECT_NEAR(inclusionProbability(w, e, 1), w[e], 1e-9);
    EXPECT_DOUBLE_EQ(inclusionProbability(w, 0, 32), 1.0);
}

TEST(ZipfSkew, InclusionProbabilitiesSumToK) {
    const auto w = zipfWeights(32, 0.6);
    double sum = 0;
    for (int e = 0; e < 32; ++e) sum += inclusionProbability(w, e, 4);
    EXPECT_NEAR(sum, 4.0, 1e-6);
}

TEST(ZipfSkew, BisectionHitsTargetAndValidatesRange) {
    EXPECT_EQ(zipfExponentForSkew(32, 4, 1.0), 0.0);
    for (double s : {1.2, 2.0, 3.5, 7.5}) {
        const double a = zipfExponentForSkew(32, 4, s);
        EXPECT_NEAR(expectedSkewness(zipfWeights(32, a), 4), s, 1e-5) << s;
    }
    EXPECT_THROW(zipfExponentForSkew(32, 4, 0.9), Error);
    EXPECT_THROW(zipfExponentForSkew(32, 4, 8.5), Error);  // > E/k
}

TEST(SyntheticWorkload, SameSeedGivesIdenticalSteps) {
    auto p = small();
    p.drift = 0.7;
    p.burstProb = 0.3;
    EXPECT_EQ(allSteps(p), allSteps(p));
    auto q = p;
    q.seed = 2;
    EXPECT_NE(allSteps(p), allSteps(q));
}

TEST(SyntheticWorkload, TokensDrawDistinctExpertsInRange) {
    auto p = small();
    p.skew = 7.9;  // nearly the E/k = 8 ceiling: the exact fallback path is exercised
    for (const auto& ids : allSteps(p)) {
        ASSERT_EQ(ids.size(), static_cast<size_t>(p.layers * p.tokensPerStep * p.topK));
        for (size_t i = 0; i < ids.size(); i += p.topK) {
            std::set<int32_t> distinct(ids.begin() + i, ids.begin() + i + p.topK);
            EXPECT_EQ(distinct.size(), static_cast<size_t>(p.topK));
            EXPECT_GE(*distinct.begin(), 0);
            EXPECT_LT(*distinct.rbegin(), p.experts);
        }
    }
}

TEST(SyntheticWorkload, ShapeAndDescribe) {
    SyntheticWorkload w(small());
    EXPECT_EQ(w.shape().layers, 3);
    EXPECT_EQ(w.shape().experts, 16);
    EXPECT_EQ(w.shape().topK, 2);
    EXPECT_FALSE(w.shape().hasSequenceIds);
    EXPECT_EQ(w.describe(),
              "synthetic:layers=3,experts=16,top_k=2,tokens=64,steps=5,skew=2,drift=0,"
              "burst_prob=0,burst_factor=4,burst_len=8,seed=1");
    EXPECT_NEAR(w.expectedSkewness(), 2.0, 1e-6);
}

TEST(SyntheticWorkload, UnlimitedStepsKeepComing) {
    auto p = small();
    p.steps = 0;
    SyntheticWorkload w(p);
    Step step;
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(w.next(step));
}

// Measured skewness (max/mean of loads accumulated over many steps) per layer, the mean over
// layers.
double measuredSkew(const SyntheticParams& p) {
    SyntheticWorkload w(p);
    LoadMatrix total(p.layers, p.experts);
    Step step;
    while (w.next(step)) total.accumulate(step, p.topK);
    double sum = 0;
    for (int l = 0; l < p.layers; ++l) sum += layerLoadStats(total.layer(l)).skewness;
    return sum / p.layers;
}

TEST(SyntheticWorkload, MeasuredSkewnessMatchesTarget) {
    for (double target : {1.5, 2.5, 3.5}) {
        SyntheticParams p;
        p.layers = 4;
        p.experts = 32;
        p.topK = 4;
        p.tokensPerStep = 2048;
        p.steps = 40;
        p.skew = target;
        p.seed = 7;
        const double measured = measuredSkew(p);
        std::printf("synthetic skew target %.2f measured %.4f\n", target, measured);
        EXPECT_NEAR(measured, target, 0.05 * target) << "target " << target;
        EXPECT_NEAR(measured, target, 0.02 * target) << "target " << target;  // in practice
    }
}

TEST(SyntheticWorkload, UniformWhenSkewIsOne) {
    SyntheticParams p;
    p.layers = 2;
    p.tokensPerStep = 4096;
    p.steps = 40;
    p.skew = 1.0;
    // Only sampling noise: the max of 32 counts of mean 20,480 lies ~2 sd (1%) above the mean.
    EXPECT_NEAR(measuredSkew(p), 1.0, 0.03);
}

TEST(SyntheticWorkload, DriftMovesTheHotExperts) {
    // Without drift the hottest expert of a layer stays put; with fast drift it changes.
    auto hottest = [](const SyntheticParams& p) {
        SyntheticWorkload w(p);
        std::vector<int> per;
        Step step;
        while (w.next(step)) {
            LoadMatrix m(p.layers, p.experts);
            m.accumulate(step, p.topK);
            const auto row = m.layer(0);
            per.push_back(static_cast<int>(std::max_element(row.begin(), row.end()) - row.begin()));
        }
        return std::set<int>(per.begin(), per.end()).size();
    };
    SyntheticParams p;
    p.layers = 1;
    p.tokensPerStep = 4096;
    p.steps = 30;
    p.skew = 3.0;
    EXPECT_EQ(hottest(p), 1u);
    p.drift = 20;
    EXPECT_GT(hottest(p), 1u);
}

TEST(SyntheticWorkload, BurstsRaiseAnExpertsLoadForAFewSteps) {
    SyntheticParams p;
    p.layers = 1;
    p.tokensPerStep = 4096;
    p.steps = 40;
    p.skew = 1.0;
    p.burstProb = 0.2;
    p.burstFactor = 8;
    p.burstLength = 3;
    SyntheticWorkload w(p);
    Step step;
    int burstySteps = 0;
    while (w.next(step)) {
        LoadMatrix m(1, p.experts);
        m.accumulate(step, p.topK);
        if (layerLoadStats(m.layer(0)).skewness > 2.0) ++burstySteps;
    }
    EXPECT_GT(burstySteps, 3);  // ~0.2 * 40 bursts of 3 steps, overlapping
    EXPECT_LT(burstySteps, 40);
}

TEST(SyntheticWorkload, RejectsBadParametersNamingThem) {
    auto expectBad = [](SyntheticParams p, const std::string& key) {
        try {
            SyntheticWorkload w(p);
            ADD_FAILURE() << "accepted bad " << key;
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
        }
    };
    auto p = small();
    p.skew = 0.5;
    expectBad(p, "skew");
    p = small();
    p.skew = 9;  // E/k = 8
    expectBad(p, "skew");
    p = small();
    p.topK = 17;
    expectBad(p, "top_k");
    p = small();
    p.layers = 0;
    expectBad(p, "layers");
    p = small();
    p.burstProb = 1.5;
    expectBad(p, "burst_prob");
    p = small();
    p.drift = -1;
    expectBad(p, "drift");
    p = small();
    p.tokensPerStep = 0;
    expectBad(p, "tokens");
}

}  // namespace
}  // namespace moe
