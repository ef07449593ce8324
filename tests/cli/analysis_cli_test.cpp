// The analysis commands end to end, as a user runs them: predict (compare predictors, CSV,
// store), plan (policies from a workload and from a loads CSV), sweep (the performance model)
// and run with live rebalancing.
#include <nlohmann/json.hpp>

#include "cli_support.h"

namespace {
using namespace cli_test;

TEST(AnalysisCli, PredictComparesPredictorsAndWritesCsvWithOneColumnPerMetric) {
    const fs::path csv = tempDir() / "predict.csv";
    const Result r = cli(
        "predict --steps 120 -p last -p sw_avg:window=20 -p ema -p oracle -p t2e_freq -H 5 --csv " +
        quoted(csv.string()) + " --no-db");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("sw_avg:window=20"), std::string::npos);
    std::ifstream in(csv);
    std::string header, line;
    std::getline(in, header);
    EXPECT_EQ(header.rfind("predictor,", 0), 0u) << header;
    for (const char* col :
         {"relative_error", "absolute_error", "gps_error", "max_load_error", "accuracy"})
        EXPECT_NE(header.find(col), std::string::npos) << col;
    int oracleRows = 0;
    while (std::getline(in, line))
        if (line.rfind("oracle,", 0) == 0 && line.find(",all,") != std::string::npos) {
            ++oracleRows;
            EXPECT_NE(line.find(",5,0,0,0,0,"), std::string::npos) << line;  // the oracle is exact
        }
    EXPECT_EQ(oracleRows, 1);
}

TEST(AnalysisCli, PredictRecordsPredictionsIntoTheStore) {
    const fs::path db = tempDir() / "predict.sqlite";
    ASSERT_EQ(cli("predict --steps 40 -p last -H 2 --db " + quoted(db.string())).code, 0);
    const fs::path out = tempDir() / "pred.csv";
    const Result r = cli("export last --what predictions --format csv --db " + quoted(db.string()) +
                         " --out " + quoted(out.string()));
    ASSERT_EQ(r.code, 0) << r.out;
    std::ifstream in(out);
    std::string line;
    int rows = -1;
    while (std::getline(in, line)) ++rows;
    EXPECT_EQ(rows, (40 - 2) * 24);  // one record per scored forecast and layer
}

TEST(AnalysisCli, DistributionOnlyProfiledOnAnotherWorkloadsLoads) {
    // Profile: the synthetic workload's own loads from one run; predict on a second run of it.
    const fs::path loads = tempDir() / "profile.csv";
    const std::string w =
        "--workload synthetic:layers=2,experts=8,top_k=2,tokens=512,skew=2,seed=5";
    ASSERT_EQ(cli("run " + w + " --steps 20 --hidden 8 --ffn 8 --no-db --loads-csv " +
                  quoted(loads.string()))
                  .code,
              0);
    const Result r =
        cli("predict " + w + " --steps 50 -p dist_only:profile=" + quoted(loads.string()) +
            " -p dist_only:profile_steps=1 --no-db");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("dist_only:profile="), std::string::npos) << r.out;
    const Result bad =
        cli("predict --steps 5 -p dist_only:profile=" + quoted(loads.string()) + " --no-db");
    EXPECT_NE(bad.code, 0);  // 2 x 8 profile for the 24 x 32 trace
    EXPECT_NE(bad.out.find("profile.csv"), std::string::npos) << bad.out;
}

TEST(AnalysisCli, PredictRejectsAnUnknownPredictor) {
    const Result r = cli("predict --steps 5 -p sw_avgg --no-db");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("unknown predictor 'sw_avgg'"), std::string::npos) << r.out;
}

TEST(AnalysisCli, PlanWithEplbImprovesBalancednessAndWritesJson) {
    const fs::path json = tempDir() / "plan.json";
    const Result r = cli("plan --steps 5 --policy eplb --slots 40 --ranks 4 --format json --out " +
                         quoted(json.string()));
    ASSERT_EQ(r.code, 0) << r.out;
    std::ifstream in(json);
    const auto j = nlohmann::json::parse(in);
    ASSERT_EQ(j["layers"].size(), 24u);
    for (const auto& layer : j["layers"]) {
        EXPECT_GE(layer["balancedness_after"].get<double>(),
                  layer["balancedness_before"].get<double>() - 1e-9);
        int replicas = 0;
        for (const auto& e : layer["experts"]) replicas += static_cast<int>(e["ranks"].size());
        EXPECT_EQ(replicas, 40);
    }
}

TEST(AnalysisCli, PlanFromALoadsCsvAndBadCsvLines) {
    const fs::path good = tempDir() / "loads.csv", bad = tempDir() / "bad.csv";
    std::ofstream(good) << "layer,expert,tokens\n0,0,100\n0,1,10\n0,2,10\n0,3,10\n";
    std::ofstream(bad) << "layer,expert,tokens\n0,0,100\n0,x,10\n";
    Result r = cli("plan --loads " + quoted(good.string()) + " --policy gps --ranks 2");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("mean balancedness"), std::string::npos);
    r = cli("plan --loads " + quoted(bad.string()) + " --policy eplb --ranks 2");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("bad.csv:3"), std::string::npos) << r.out;
    r = cli("plan --loads " + quoted(good.string()) + " --policy no_such_policy --ranks 2");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("no_such_policy"), std::string::npos) << r.out;
}

TEST(AnalysisCli, SweepReportsTheStrategyGapAndEveryTerm) {
    const fs::path csv = tempDir() / "sweep.csv";
    const Result r = cli("sweep --terms 1.4 --csv " + quoted(csv.string()));
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("23%"), std::string::npos);
    for (const char* term : {"pred", "attn", "scatter", "ffn", "gather", "copy"})
        EXPECT_NE(r.out.find(term), std::string::npos) << term;
    std::ifstream in(csv);
    std::string line;
    int rows = -1;
    while (std::getline(in, line)) ++rows;
    EXPECT_EQ(rows, 5 * 4 * 6);  // skews x bandwidths x strategies
}

// sweep --from: a predict run's predictors (a token-level one with its accuracy) and a
// what-if run's combinations replace the assumed figures; the rest stay, marked assumed.
TEST(AnalysisCli, SweepFromAStoredRunUsesItsMeasuredFigures) {
    const std::string db = quoted((tempDir() / "sweep_from.sqlite").string());
    fs::remove(tempDir() / "sweep_from.sqlite");
    const std::string synthetic =
        "-w 'synthetic:layers=2,experts=8,top_k=2,tokens=128,skew=2,drift=0.02' --batching "
        "tokens --steps 30 ";
    ASSERT_EQ(cli("predict " + synthetic + "-p sw_avg -p t2e_freq --name p --db " + db).code, 0);
    Result r = cli("sweep --from p --format table --db " + db);
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("measured  sw_avg:window=100: error"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("measured  t2e_freq: accuracy"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("ASSUMED   t2e_ffn"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("ASSUMED   t2e_frequent"), std::string::npos) << "t2e_freq measured it";
    ASSERT_EQ(
        cli("whatif " + synthetic + "-p last --policy eplb --every 1 --name w --db " + db).code, 0);
    r = cli("sweep --from w --format csv --db " + db);
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find(",last eplb/1,"), std::string::npos) << r.out;
    r = cli("sweep --from nosuchrun --db " + db);
    EXPECT_NE(r.code, 0);
    ASSERT_EQ(cli("predict " + synthetic + "-p oracle --name o --db " + db).code, 0);
    r = cli("sweep --from o --db " + db);
    EXPECT_NE(r.code, 0) << "an oracle is no strategy";
    EXPECT_NE(r.out.find("no predictor figures"), std::string::npos) << r.out;
}

TEST(AnalysisCli, RunWithRebalancingRecordsDecisionsAndCalibration) {
    const fs::path db = tempDir() / "rebalance.sqlite";
    const Result r =
        cli("run --steps 30 --hidden 32 --ffn 64 --batch 16 --policy eplb --slots 36 "
            "--rebalance-every 10 "
            "--db " +
            quoted(db.string()));
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("3 rebalances"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("model calibration error"), std::string::npos);
    const fs::path out = tempDir() / "decisions.csv";
    ASSERT_EQ(cli("export last --what decisions --format csv --db " + quoted(db.string()) +
                  " --out " + quoted(out.string()))
                  .code,
              0);
    std::ifstream in(out);
    std::string line;
    int rows = -1;
    while (std::getline(in, line)) ++rows;
    EXPECT_EQ(rows, 3 * 24);
    const Result bad = cli("run --steps 3 --slots 40 --no-db");  // --slots needs --policy
    EXPECT_NE(bad.code, 0);
}

}  // namespace
