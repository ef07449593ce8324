// The live training workload through the same factory as traces: shape, per-token extras,
// spec parsing and its errors; a section switch changes which text the steps train on; and
// predictors that need token ids, positions or hidden states run on it.
#include "core/train/train_workload.h"

#include <gtest/gtest.h>

#include "core/common/error.h"
#include "core/experiment/workload_source.h"
#include "core/predict/prediction_suite.h"
#include "core/stats/load_matrix.h"
#include "core/train/load_shift.h"
#include "core/train/section_schedule.h"

namespace moe {
namespace {

const char* kTiny =
    "train:sections=tutorial,steps=5,blocks=2,width=16,heads=2,experts=4,top_k=2,ffn=16,"
    "context=16,batch=4,eval_every=0,eval_windows=4";

TEST(TrainWorkload, FactoryGivesStepsWithEveryExtra) {
    WorkloadOptions o;
    o.spec = kTiny;
    auto w = openWorkload(o);
    const WorkloadShape& s = w->shape();
    EXPECT_EQ(s.layers, 2);
    EXPECT_EQ(s.experts, 4);
    EXPECT_EQ(s.topK, 2);
    EXPECT_TRUE(s.hasTokenIds && s.hasPositions && s.hasSequenceIds && s.hasWeights);
    EXPECT_EQ(s.hiddenDim, 16);
    Step step;
    int n = 0;
    while (w->next(step)) {
        EXPECT_EQ(step.index, n++);
        EXPECT_EQ(step.tokens, 64);
        EXPECT_EQ(step.experts.size(), 2u * 64 * 2);
        EXPECT_EQ(step.hidden.size(), 2u * 64 * 16);
        EXPECT_EQ(step.tokenIds.size(), 64u);
        for (int32_t e : step.experts) EXPECT_TRUE(e >= 0 && e < 4);
    }
    EXPECT_EQ(n, 5);
    EXPECT_NE(w->describe().find("train:corpus=python-docs,sections=tutorial"), std::string::npos);
}

TEST(TrainWorkload, MaxStepsAndFlagsApply) {
    WorkloadOptions o;
    o.spec = kTiny;
    o.maxSteps = 2;
    auto w = openWorkload(o);
    Step step;
    int n = 0;
    while (w->next(step)) ++n;
    EXPECT_EQ(n, 2);
}

TEST(TrainWorkload, SpecErrorsNameTheKey) {
    WorkloadOptions o;
    for (const char* bad : {"train:widht=3", "train:width=abc", "train:aux=sometimes",
                            "train:steps=1,steps=2", "train:sections=a>b"}) {
        o.spec = bad;
        EXPECT_THROW(openWorkload(o), Error) << bad;
    }
    o.spec = "train:widht=3";
    try {
        openWorkload(o);
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("widht"), std::string::npos);
    }
}

TEST(TrainWorkload, TokenToExpertPredictorsRunOnIt) {
    WorkloadOptions o;
    o.spec = kTiny;
    auto w = openWorkload(o);
    PredictionSuiteOptions po;
    po.predictors = {"sw_avg", "t2e_token", "t2e_position", "t2e_ffn"};
    PredictionSuite suite(po, w->shape());
    Step step;
    LoadMatrix loads(w->shape().layers, w->shape().experts);
    while (w->next(step)) {
        loads.clear();
        loads.accumulate(step, w->shape().topK);
        suite.push(step, loads);
    }
    EXPECT_EQ(suite.steps(), 5);
}

TEST(SectionSchedule, ParsesPhasesAndRejectsBadOnes) {
    train::SectionSchedule s("tutorial+faq>c-api@500>howto@900");
    ASSERT_EQ(s.phases().size(), 3u);
    EXPECT_EQ(s.phaseAt(499).sections, (std::vector<std::string>{"tutorial", "faq"}));
    EXPECT_EQ(s.phaseAt(500).sections[0], "c-api");
    EXPECT_EQ(s.phaseIndexAt(10000), 2);
    EXPECT_EQ(s.text(), "tutorial+faq>c-api@500>howto@900");
    for (const char* bad : {"", "a>b", "a>b@x", "a>b@5>c@5", "a@3", "a++b"})
        EXPECT_THROW(train::SectionSchedule{bad}, Error) << bad;
}

TEST(LoadShift, L1OfMeanShares) {
    std::vector<LoadShares> series;
    for (int s = 0; s < 4; ++s) {
        LoadShares x(1, 2);
        x.at(0, 0) = s < 2 ? 1.0f : 0.25f;
        x.at(0, 1) = 1 - x.at(0, 0);
        series.push_back(x);
    }
    const auto d = train::shareShiftL1(series, 2, 2);
    ASSERT_EQ(d.size(), 1u);
    EXPECT_NEAR(d[0], 1.5, 1e-6);
    EXPECT_TRUE(train::shareShiftL1(series, 1, 2).empty());
}

}  // namespace
}  // namespace moe
