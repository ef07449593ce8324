// `whatif` from the command line: the CSV columns with the two bounds first, JSON
// that parses, and bad predictors or policies refused with a non-zero exit.
#include <nlohmann/json.hpp>

#include "cli_support.h"

namespace {

using namespace cli_test;

const char* kSmallWhatIf =
    "whatif -w 'synthetic:layers=2,experts=8,top_k=2,tokens=128,skew=2.5,drift=0.02' "
    "--batching tokens --steps 40 -p last -p ema --policy eplb --every 1 --every 8 "
    "--extra-slots 4";

TEST(WhatIfCli, CsvHasTheBoundsAndEveryCombination) {
    const Result r = cli(std::string(kSmallWhatIf) + " --format csv --no-db");
    ASSERT_EQ(r.code, 0) << r.out;
    const std::string header =
        "predictor,policy,every,slowest_over_ideal,gap_closed,moved_experts_per_step,"
        "moved_bytes_per_step,predictor_us,modelled_ms_per_step";
    ASSERT_EQ(r.out.rfind(header, 0), 0u) << r.out;
    EXPECT_NE(r.out.find("\ncontiguous,-,0,"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\noracle,eplb,1,"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\nema,eplb,8,"), std::string::npos) << r.out;
    size_t lines = 0;
    for (char c : r.out) lines += c == '\n';
    EXPECT_EQ(lines, 1u + 2u + 4u);
}

TEST(WhatIfCli, JsonAndTableAgree) {
    const Result json = cli(std::string(kSmallWhatIf) + " --format json --no-db");
    ASSERT_EQ(json.code, 0) << json.out;
    const nlohmann::json j = nlohmann::json::parse(json.out);
    ASSERT_EQ(j.size(), 6u);
    EXPECT_EQ(j[0]["predictor"], "contiguous");
    EXPECT_EQ(j[1]["gap_closed"], 1);
    EXPECT_EQ(j[1]["gap_closed_by_layer"], "1 1") << "the oracle closes each layer's gap";
    EXPECT_EQ(j[0]["gap_closed_by_layer"], "0 0");
    const Result table = cli(kSmallWhatIf);
    ASSERT_EQ(table.code, 0) << table.out;
    EXPECT_NE(table.out.find("gap closed"), std::string::npos) << table.out;
    EXPECT_NE(table.out.find("100.0%"), std::string::npos) << table.out;
}

TEST(WhatIfCli, StackPresetsAreRows) {
    const Result r = cli(std::string(kSmallWhatIf) + " --preset vllm --preset sglang --format csv");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("sw_avg:window=1000,eplb,3000,"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(",vllm,0,slots,"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(",sglang,0,slots,"), std::string::npos) << r.out;
    EXPECT_NE(cli(std::string(kSmallWhatIf) + " --preset tgi").code, 0);
    const Result both = cli(std::string(kSmallWhatIf) + " --migration-aware both --format csv");
    ASSERT_EQ(both.code, 0) << both.out;
    // The columns from steps: migration_aware, preset (none), threshold (none), budget.
    EXPECT_NE(both.out.find(",40,0,,0,slots,"), std::string::npos) << both.out;
    EXPECT_NE(both.out.find(",40,1,,0,slots,"), std::string::npos) << both.out;
}

TEST(WhatIfCli, TokenLevelPredictorsAreRowsAndWarmUpIsSkipped) {
    const Result r =
        cli(std::string(kSmallWhatIf) + " -p affinity -p t2e_freq --warmup 10 --format csv");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("\naffinity,eplb,1,"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\nt2e_freq,eplb,8,"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(",30,0,,0,slots,"), std::string::npos)
        << "30 of 40 steps scored: " << r.out;
    const Result table =
        cli(std::string(kSmallWhatIf) + " -p affinity --warmup 10 --threshold 0.9");
    EXPECT_NE(table.out.find("<0.90"), std::string::npos) << table.out;
    const Result spare = cli(std::string(kSmallWhatIf) + " --budget both --no-db --format csv");
    ASSERT_EQ(spare.code, 0) << spare.out;
    EXPECT_NE(spare.out.find(",0,spare,"), std::string::npos) << spare.out;
    EXPECT_NE(spare.out.find(",0,slots,"), std::string::npos) << spare.out;
    EXPECT_NE(table.out.find("scored from step 10"), std::string::npos) << table.out;
}

TEST(WhatIfCli, TheMatrixIsRecordedAndRunsShowPrintsIt) {
    const std::string db = (tempDir() / "whatif_record.sqlite").string();
    fs::remove(db);
    const Result r =
        cli(std::string(kSmallWhatIf) + " --db " + quoted(db) + " --name grid --tag t");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_EQ(runCount(db), 1);
    const Result shown = cli("runs show grid --db " + quoted(db));
    ASSERT_EQ(shown.code, 0) << shown.out;
    EXPECT_NE(shown.out.find("What-if matrix"), std::string::npos) << shown.out;
    EXPECT_NE(shown.out.find("oracle"), std::string::npos) << shown.out;
    const Result json = cli("runs show grid --format json --db " + quoted(db));
    const nlohmann::json j = nlohmann::json::parse(json.out);
    ASSERT_EQ(j["whatif"].size(), 6u);
    EXPECT_EQ(j["whatif"][0]["predictor"], "contiguous");
    EXPECT_EQ(j["steps"], 40);
    EXPECT_EQ(j["config"]["recorded"]["whatif"]["predictors"].size(), 2u);
    EXPECT_EQ(cli(std::string(kSmallWhatIf) + " --no-db --db " + quoted(db)).code, 0);
    EXPECT_EQ(runCount(db), 1) << "--no-db records nothing";
}

TEST(WhatIfCli, BadChoicesAreRefused) {
    Result r = cli(std::string(kSmallWhatIf) + " -p t2e_ffn");  // no router inputs here
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("hidden states"), std::string::npos) << r.out;
    r = cli(std::string(kSmallWhatIf) + " --policy nope");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("nope"), std::string::npos) << r.out;
    r = cli(std::string(kSmallWhatIf) + " --every 0");
    EXPECT_NE(r.code, 0);
}

// A predictor reading its layer's own input is refused, with the flag that scores it as a
// bound named in the message; with that flag its rows say what they are.
TEST(WhatIfCli, OwnInputPredictorsOnlyAsACeiling) {
    const std::string withHidden =
        "whatif -w 'synthetic:layers=2,experts=8,top_k=2,tokens=64,hidden=8' --batching tokens "
        "--steps 12 -p t2e_ffn --policy eplb --every 1 --no-db --format csv";
    Result r = cli(withHidden);
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("--own-input-ceiling"), std::string::npos) << r.out;
    r = cli(withHidden + " --own-input-ceiling");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("t2e_ffn (own input: ceiling),eplb,1,"), std::string::npos) << r.out;
}

}  // namespace
