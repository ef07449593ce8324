// `predict` keeps what it scored: token-to-expert predictors' errors are recorded beside the
// load predictors' (so `compare` and exports see them), a --horizon they cannot use is said,
// and the run's unmeasured figures (times, ranks) read "-" in `runs show` and `compare`.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "cli_support.h"

namespace cli_test {
namespace {

int countLines(const std::string& text, const std::string& prefix) {
    int n = 0;
    size_t at = 0;
    while ((at = text.find("\n" + prefix, at)) != std::string::npos) {
        ++n;
        ++at;
    }
    return n;
}

TEST(PredictRecord, TokenPredictorsAreRecordedAndUnmeasuredFiguresReadAsDashes) {
    const fs::path db = tempDir() / "predict_record.sqlite";
    fs::remove(db);
    const Result run = cli("predict -n 40 -p sw_avg -p t2e_freq -H 5 --db " + quoted(db.string()));
    ASSERT_EQ(run.code, 0) << run.out;
    EXPECT_NE(run.out.find("scored at horizon 1; --horizon 5 applies to the load predictors"),
              std::string::npos)
        << run.out;

    const Result preds = cli("export last --what predictions --db " + quoted(db.string()));
    ASSERT_EQ(preds.code, 0) << preds.out;
    // 24 layers: t2e for steps 0..38 (learnt from; the first step has none), sw_avg at H=5.
    EXPECT_EQ(countLines(preds.out, "t2e_freq,1,"), 39 * 24) << preds.out.substr(0, 400);
    EXPECT_GT(countLines(preds.out, "sw_avg:window=100,5,"), 0);

    const Result show = cli("runs show last --db " + quoted(db.string()));
    ASSERT_EQ(show.code, 0) << show.out;
    EXPECT_NE(show.out.find("tokens/s                          -"), std::string::npos) << show.out;
    EXPECT_NE(show.out.find("Per rank: not measured"), std::string::npos) << show.out;
    EXPECT_NE(show.out.find("t2e_freq"), std::string::npos) << show.out;

    // The same for scripts: one JSON object, unmeasured metrics absent rather than 0.
    const Result json = cli("runs show last --format json --db " + quoted(db.string()));
    ASSERT_EQ(json.code, 0) << json.out;
    const nlohmann::json j = nlohmann::json::parse(json.out);
    EXPECT_EQ(j["status"], "finished");
    EXPECT_EQ(j["steps"], 40);
    EXPECT_FALSE(j["metrics"].contains("tokens_per_second")) << j["metrics"].dump();
    EXPECT_TRUE(j["metrics"].contains("mean_skewness"));
    EXPECT_EQ(j["config"]["front_end"], "predict");
    EXPECT_EQ(j["config"]["model"]["replay_only"], true);
    bool t2e = false;
    for (const auto& p : j["predictions"]) t2e = t2e || p["predictor"] == "t2e_freq";
    EXPECT_TRUE(t2e) << j["predictions"].dump();

    const Result compare = cli("compare last last --db " + quoted(db.string()));
    ASSERT_EQ(compare.code, 0) << compare.out;
    EXPECT_NE(compare.out.find("rel. error t2e_freq H=1"), std::string::npos) << compare.out;
    EXPECT_EQ(compare.out.find("0 us"), std::string::npos) << compare.out;
}

}  // namespace
}  // namespace cli_test
