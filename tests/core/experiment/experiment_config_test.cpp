// The experiment config's JSON form (the one stored with every run) and its validation: a
// round trip keeps every field, and each kind of bad input names its field.
#include "core/experiment/experiment_config.h"

#include <gtest/gtest.h>

#include "core/common/error.h"

namespace moe {
namespace {

ExperimentConfig unusualConfig() {
    ExperimentConfig c;
    c.frontEnd = "gui";
    c.seed = 18446744073709551615ull;  // the largest seed survives JSON
    c.workload.spec = "synthetic:layers=3,experts=8,top_k=2";
    c.workload.batching = "tokens";
    c.workload.tokensPerStep = 77;
    c.workload.steps = 12;
    c.model.replayOnly = true;
    c.model.ranks = 2;
    c.model.capacityFactor = 1.25;
    c.model.replicas = {"*:1:0"};
    c.prediction.predictors = {"sw_avg:window=7", "t2e_freq"};
    c.prediction.horizons = {1, 5};
    c.prediction.phases = true;
    c.prediction.phase.varianceThreshold = 2.5e-4;
    c.rebalance.policy = "eplb";
    c.rebalance.predictor = "sw_avg";
    c.rebalance.slotCount = 10;
    c.rebalance.threshold = 0.9;
    c.recording.name = "a \"quoted\" name";
    c.recording.tags = {"x", "y"};
    return c;
}

std::string configErrorOf(const std::string& json) {
    try {
        parseExperimentConfig(json, "test.json");
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

TEST(ExperimentConfig, JsonRoundTripKeepsEveryField) {
    const ExperimentConfig c = unusualConfig();
    const std::string json = experimentConfigJson(c);
    const ExperimentConfig back = parseExperimentConfig(json, "round trip");
    EXPECT_EQ(experimentConfigJson(back), json);
    EXPECT_EQ(back.seed, c.seed);
    EXPECT_EQ(back.prediction.predictors, c.prediction.predictors);
    EXPECT_DOUBLE_EQ(back.prediction.phase.varianceThreshold, 2.5e-4);
    EXPECT_EQ(back.recording.name, c.recording.name);
}

TEST(ExperimentConfig, OutputsAndRecordedFactsAreNotPartOfTheConfig) {
    ExperimentConfig c = unusualConfig();
    c.recording.database = "/somewhere/runs.db";
    c.recording.loadsCsv = "loads.csv";
    const std::string json = experimentConfigJson(c, R"({"layers": 3, "backend": "cpu"})");
    EXPECT_EQ(json.find("runs.db"), std::string::npos);
    EXPECT_EQ(json.find("loads.csv"), std::string::npos);
    EXPECT_NE(json.find("\"recorded\""), std::string::npos);
    const ExperimentConfig back = parseExperimentConfig(json, "stored");
    EXPECT_TRUE(back.recording.database.empty());
    EXPECT_EQ(back.workload.tokensPerStep, 77);
}

TEST(ExperimentConfig, MissingFieldsKeepTheirDefaults) {
    const ExperimentConfig c = parseExperimentConfig(R"({"model": {"ranks": 2}})", "small");
    EXPECT_EQ(c.model.ranks, 2);
    EXPECT_EQ(c.model.hidden, ExperimentConfig{}.model.hidden);
    EXPECT_EQ(c.workload.spec, ExperimentConfig{}.workload.spec);
}

TEST(ExperimentConfig, BadJsonNamesTheFieldAndTheProblem) {
    EXPECT_NE(configErrorOf("{not json").find("test.json: not valid JSON"), std::string::npos);
    EXPECT_NE(configErrorOf("[1]").find("a JSON object"), std::string::npos);
    const std::string type = configErrorOf(R"({"rebalance": {"slots": "four"}})");
    EXPECT_NE(type.find("'rebalance.slots' must be a whole number, not string"), std::string::npos)
        << type;
    EXPECT_NE(configErrorOf(R"({"model": {"hiden": 3}})").find("unknown field 'model.hiden'"),
              std::string::npos);
    EXPECT_NE(configErrorOf(R"({"model": 3})").find("'model' must be an object"),
              std::string::npos);
    EXPECT_NE(configErrorOf(R"({"seed": -1})").find("'seed' must be a whole number in range"),
              std::string::npos);
    EXPECT_NE(configErrorOf(R"({"model": {"ranks": 4294967296}})").find("in range"),
              std::string::npos);
    EXPECT_NE(configErrorOf(R"({"prediction": {"horizons": [1, "x"]}})").find("horizons[1]"),
              std::string::npos);
    EXPECT_NE(configErrorOf(R"({"format": "something else"})").find("format"), std::string::npos);
}

TEST(ExperimentConfig, ValidConfigsHaveNoProblems) {
    EXPECT_TRUE(validateExperimentConfig(ExperimentConfig{}).empty());
    EXPECT_TRUE(validateExperimentConfig(unusualConfig()).empty());
}

TEST(ExperimentConfig, EachBadFieldGetsItsOwnLine) {
    ExperimentConfig c;
    c.prediction.predictors = {"sw_avg", "no_such_predictor"};
    c.rebalance.policy = "eplb";
    c.rebalance.slotCount = -3;
    c.model.ranks = 0;
    c.workload.batching = "bursty";
    const std::vector<std::string> problems = validateExperimentConfig(c);
    ASSERT_EQ(problems.size(), 4u);
    std::string all;
    for (const auto& p : problems) all += p + "\n";
    EXPECT_NE(all.find("prediction.predictors[1]: "), std::string::npos) << all;
    EXPECT_NE(all.find("no_such_predictor"), std::string::npos) << all;
    EXPECT_NE(all.find("rebalance.slots: -3 is outside"), std::string::npos) << all;
    EXPECT_NE(all.find("model.ranks: 0 is outside 1..1024"), std::string::npos) << all;
    EXPECT_NE(all.find("workload.batching: 'bursty'"), std::string::npos) << all;
    try {
        checkExperimentConfig(c);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("4 problems"), std::string::npos) << e.what();
    }
}

TEST(ExperimentConfig, RebalancePredictorIsTheFirstComparedLoadPredictorByDefault) {
    ExperimentConfig c;
    c.rebalance.policy = "eplb";
    EXPECT_EQ(rebalancePredictorSpec(c), "sw_avg");
    c.prediction.predictors = {"t2e_freq", "ema:alpha=0.2", "sw_avg:window=9"};
    EXPECT_EQ(rebalancePredictorSpec(c), "ema:alpha=0.2");
    c.rebalance.predictor = "sw_avg";  // by name: the compared one of that name
    EXPECT_EQ(rebalancePredictorSpec(c), "sw_avg:window=9");
    c.rebalance.predictor = "sw_avg:window=3";  // a spec of its own
    EXPECT_EQ(rebalancePredictorSpec(c), "sw_avg:window=3");
    c.rebalance.predictor = "t2e_freq";
    EXPECT_THROW(rebalancePredictorSpec(c), Error);
    c.rebalance.predictor = "oracle";
    EXPECT_THROW(rebalancePredictorSpec(c), Error);
    const auto problems = validateExperimentConfig(c);
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].rfind("rebalance.predictor: ", 0), 0u) << problems[0];
}

}  // namespace
}  // namespace moe
