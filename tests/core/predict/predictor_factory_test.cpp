// Predictor specs as users type them, and the prediction suite on the real GPT-OSS routing:
// every predictor of issue 4 runs side by side and is scored the same way.
#include "core/predict/predictor_factory.h"

#include <gtest/gtest.h>

#include "core/common/error.h"
#include "core/experiment/workload_source.h"
#include "core/predict/prediction_suite.h"

namespace moe {
namespace {

WorkloadShape gptOssShape() { return {24, 32, 4, false, true, true, false, 0}; }

TEST(PredictorFactory, BuildsEveryNamedPredictor) {
    PredictorSet set;
    for (const char* spec :
         {"oracle", "last", "ema:alpha=0.3", "sw_avg:window=50", "arima:p=1,d=1,q=1",
          "lstm:hidden=8,epochs=1,train_steps=10", "dist_only:profile_steps=5"})
        addPredictor(spec, gptOssShape(), set);
    addPredictor("t2e_freq", gptOssShape(), set);
    addPredictor("t2e_position", gptOssShape(), set);
    ASSERT_EQ(set.load.size(), 7u);
    ASSERT_EQ(set.token.size(), 2u);
    EXPECT_EQ(set.load[3]->name(), "sw_avg");
    EXPECT_EQ(set.load[3]->parameters(), "window=50");
    EXPECT_EQ(set.load[4]->name(), "arima");
}

TEST(PredictorFactory, RejectsTyposWithTheirNames) {
    PredictorSet set;
    auto message = [&](const std::string& spec) {
        try {
            addPredictor(spec, gptOssShape(), set);
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_NE(message("sw_avgg").find("unknown predictor 'sw_avgg'"), std::string::npos);
    EXPECT_NE(message("sw_avg:windw=3").find("unknown key 'windw'"), std::string::npos);
    EXPECT_NE(message("sw_avg:window=abc").find("bad value 'abc'"), std::string::npos);
    EXPECT_NE(message("sw_avg:window").find("bad value '' for window"), std::string::npos);
    EXPECT_NE(message("sw_avg:,").find("KEY=VALUE"), std::string::npos);
    EXPECT_NE(message("arima:p=50").find("p"), std::string::npos);
    EXPECT_NE(message("t2e_token").find("token ids"), std::string::npos);
    EXPECT_NE(message("t2e_ffn").find("hidden states"), std::string::npos);
}

TEST(PredictionSuite, ComparesPredictorsOnTheRealTrace) {
    WorkloadOptions wo;
    wo.spec = "trace:gpt-oss-20b";
    wo.batching = Batching::Continuous;
    wo.batch = 64;
    auto w = openWorkload(wo);
    PredictionSuiteOptions o;
    o.predictors = {"oracle", "last", "sw_avg:window=20", "dist_only:profile_steps=50",
                    "t2e_position"};
    o.evaluator = {5, 1, 50, {}};
    o.phases = PhaseOptions{};
    PredictionSuite suite(o, w->shape());
    Step s;
    LoadMatrix loads(24, 32);
    for (int i = 0; i < 200 && w->next(s); ++i) {
        loads.clear();
        loads.accumulate(s, 4);
        suite.push(s, loads);
    }
    const auto& scores = suite.loadEvaluator()->scores();
    ASSERT_EQ(scores.size(), 4u);
    EXPECT_NEAR(scores[0].overall.mean().absolute, 0, 1e-7);  // oracle
    // Averaging over a window beats the noisy last value on 64-token decode steps.
    EXPECT_LT(scores[2].overall.mean().absolute, scores[1].overall.mean().absolute);
    EXPECT_EQ(scores[1].forecasts, 200 - 5 - 50);
    const auto& token = suite.tokenEvaluator()->scores()[0];
    EXPECT_GT(token.topKOverlap(), 0.1);  // better than nothing, far from perfect
    EXPECT_EQ(suite.phases()->segments().size(), 24u);
}

}  // namespace
}  // namespace moe
