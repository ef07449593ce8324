// `run --from`: a stored run (or a config file, as `runs show --format json` prints it) runs
// again to the same per-step loads, decisions and prediction errors; flags that would change
// what it computes are refused; a bad config names its field and leaves the store as it was.
#include <nlohmann/json.hpp>

#include "cli_support.h"

namespace {

using namespace cli_test;

class RerunCli : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = tempDir() / ::testing::UnitTest::GetInstance()->current_test_info()->name();
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        db_ = (dir_ / "runs.db").string();
    }
    Result inDb(const std::string& args) { return cli(args + " --db " + cli_test::quoted(db_)); }
    // One recorded table of run `id` as CSV, without its timing column when it has one.
    std::string records(int64_t id, const std::string& what) {
        const fs::path out = dir_ / (what + std::to_string(id) + ".csv");
        const Result r = inDb("export " + std::to_string(id) + " --what " + what +
                              " --format csv -o " + cli_test::quoted(out.string()));
        EXPECT_EQ(r.code, 0) << r.out;
        return readFile(out);
    }
    int64_t runCount() { return cli_test::runCount(db_); }
    fs::path dir_;
    std::string db_;
};

const char* kRun =
    "run -w 'synthetic:layers=4,experts=16,top_k=2,tokens=96,skew=3,drift=0.05' "
    "--batching tokens --steps 40 --ranks 2 --hidden 16 --ffn 24 --seed 7 "
    "--compare sw_avg:window=8 --compare t2e_freq --horizons 1,4 --policy eplb "
    "--rebalance-every 10 --slots 20 -q";

TEST_F(RerunCli, FromARunIdReproducesLoadsDecisionsAndErrors) {
    const Result first = inDb(kRun);
    ASSERT_EQ(first.code, 0) << first.out;
    const Result again = inDb("run --from 1 -q");
    ASSERT_EQ(again.code, 0) << again.out;
    EXPECT_NE(again.out.find("run 2: recording"), std::string::npos) << again.out;
    EXPECT_EQ(records(2, "loads"), records(1, "loads"));
    EXPECT_EQ(records(2, "decisions"), records(1, "decisions"));
    const std::string predictions = records(1, "predictions");
    EXPECT_NE(predictions.find("t2e_freq"), std::string::npos);
    EXPECT_EQ(records(2, "predictions"), predictions);
    EXPECT_NE(records(1, "loads"), records(1, "ranks"));  // the tables are not empty alike
}

TEST_F(RerunCli, RunsShowJsonIsAConfigFileThatReruns) {
    ASSERT_EQ(inDb(kRun).code, 0);
    const Result show = inDb("runs show 1 --format json");
    ASSERT_EQ(show.code, 0) << show.out;
    const nlohmann::json j = nlohmann::json::parse(show.out);
    EXPECT_EQ(j["config"]["model"]["ranks"], 2);
    EXPECT_EQ(j["config"]["rebalance"]["policy"], "eplb");
    const fs::path file = dir_ / "config.json";
    writeFile(file, show.out);
    const fs::path csv = dir_ / "again.csv";
    const Result again = cli("run --from " + cli_test::quoted(file.string()) +
                             " --no-db -q --loads-csv " + cli_test::quoted(csv.string()));
    ASSERT_EQ(again.code, 0) << again.out;
    // The CSV has step,layer,expert,tokens rows; the export the same with a header.
    const std::string exported = records(1, "loads");
    EXPECT_EQ(readFile(csv).substr(readFile(csv).find('\n')), exported.substr(exported.find('\n')));
}

TEST_F(RerunCli, FlagsThatChangeTheRunAreRefusedWithFrom) {
    ASSERT_EQ(inDb(kRun).code, 0);
    const Result r = inDb("run --from 1 --hidden 64");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("--hidden cannot be combined with --from"), std::string::npos) << r.out;
    EXPECT_EQ(runCount(), 1);
    const Result steps = inDb("run --from 1 --steps 5 -q");  // how long is the user's to say
    EXPECT_EQ(steps.code, 0) << steps.out;
    EXPECT_NE(records(2, "loads"), records(1, "loads"));
}

TEST_F(RerunCli, BadConfigsNameTheFieldAndStoreNothing) {
    ASSERT_EQ(inDb(kRun).code, 0);
    struct Case {
        std::string json, expected;
    };
    const std::vector<Case> cases = {
        {R"({"format": "moe-workbench experiment 1", "rebalance": {"slots": "four"}})",
         "'rebalance.slots' must be a whole number, not string"},
        {R"({"format": "moe-workbench experiment 1", "prediction": {"predictors": ["nope"]}})",
         "prediction.predictors[0]: "},
        {R"({"format": "moe-workbench experiment 1", "rebalance": {"policy": "eplb",
            "slots": -2}})",
         "rebalance.slots: -2 is outside"},
        {R"({"format": "moe-workbench experiment 1", "workload": {"spec":
            "trace:gpt-oss-20b"}, "prediction": {"predictors": ["t2e_token"]}})",
         "prediction.predictors[0]: t2e_token needs token ids"},
        {R"({"workload": {"spec": "trace:x"}})", "holds no re-runnable experiment config"},
        {"{broken", "not valid JSON"}};
    for (const Case& c : cases) {
        const fs::path file = dir_ / "bad.json";
        writeFile(file, c.json);
        const Result r = inDb("run --from " + cli_test::quoted(file.string()) + " --steps 2");
        EXPECT_NE(r.code, 0) << c.json;
        EXPECT_NE(r.out.find(c.expected), std::string::npos) << c.json << "\n" << r.out;
        EXPECT_NE(r.out.find("bad.json"), std::string::npos) << r.out;
        EXPECT_EQ(runCount(), 1) << c.json;
    }
    const Result unknownRun = inDb("run --from 99");
    EXPECT_NE(unknownRun.code, 0);
    EXPECT_EQ(runCount(), 1);
}

TEST_F(RerunCli, APredictRunRerunsAsTheReplayItWas) {
    const Result p = inDb(
        "predict -w 'synthetic:layers=2,experts=8,top_k=2,tokens=32' --batching tokens "
        "--steps 25 -p ema -p t2e_freq");
    ASSERT_EQ(p.code, 0) << p.out;
    const Result again = inDb("run --from 1 -q");
    ASSERT_EQ(again.code, 0) << again.out;
    EXPECT_NE(again.out.find("replay only"), std::string::npos) << again.out;
    EXPECT_EQ(records(2, "loads"), records(1, "loads"));
    EXPECT_EQ(records(2, "predictions"), records(1, "predictions"));
}

}  // namespace
