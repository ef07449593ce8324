// `plan` and `run --policy` through the real binary, for defects QA found: the README's
// MoETuner example failed (no transitions were ever passed), stored rebalance decisions held
// the run-wide figures on every layer row, `plan --layer` accepted layers the workload lacks,
// and `plan` printed 0 weight bytes for moved experts when it did not know an expert's size.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <set>
#include <string>
#include <vector>

#include "cli_support.h"

namespace {

using namespace cli_test;

std::string scratchDb() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    const fs::path p = tempDir() / (std::string("plan_") + info->name() + ".sqlite");
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(p.string() + suffix);
    return p.string();
}

// Every row of a one-column-per-value query, as text, read as an outside tool would.
std::vector<std::vector<std::string>> rows(const std::string& db, const std::string& sql) {
    std::vector<std::vector<std::string>> out;
    sqlite3* h = nullptr;
    if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr) == SQLITE_OK)
            while (sqlite3_step(st) == SQLITE_ROW) {
                std::vector<std::string> r;
                for (int c = 0; c < sqlite3_column_count(st); ++c) {
                    const unsigned char* t = sqlite3_column_text(st, c);
                    r.push_back(t ? reinterpret_cast<const char*>(t) : "");
                }
                out.push_back(r);
            }
        sqlite3_finalize(st);
    }
    sqlite3_close_v2(h);
    return out;
}

TEST(PlanCli, ReadmeMoeTunerExampleWorks) {
    const Result r = cli("plan --policy moetuner --ranks 4 --bandwidth 2node_ib -n 200");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("moetuner full"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("ILP 2"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("layer 0 placement"), std::string::npos) << r.out;
}

TEST(PlanCli, MoeTunerFromALoadsCsvSaysWhyItCannot) {
    const fs::path csv = tempDir() / "plan_loads.csv";
    writeFile(csv, "layer,expert,tokens\n0,0,5\n0,1,3\n1,0,2\n1,1,6\n");
    const Result r = cli("plan --policy moetuner --ranks 2 --loads " + quoted(csv.string()));
    EXPECT_NE(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("per-token routing"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("moetuner:mode=balance"), std::string::npos) << r.out;
    EXPECT_EQ(
        cli("plan --policy moetuner:mode=balance --ranks 2 --loads " + quoted(csv.string())).code,
        0);
}

TEST(PlanCli, LayerOutOfRangeIsRejected) {
    for (const std::string layer : {"99", "24", "-1"}) {
        const Result r = cli("plan -n 20 --layer " + layer);
        EXPECT_NE(r.code, 0) << layer << ": " << r.out;
        EXPECT_NE(r.out.find("--layer " + layer + ": the workload has 24 layers (0..23)"),
                  std::string::npos)
            << r.out;
    }
    const Result ok = cli("plan -n 20 --layer 23");
    EXPECT_EQ(ok.code, 0) << ok.out;
    EXPECT_NE(ok.out.find("layer 23 placement"), std::string::npos) << ok.out;
}

TEST(PlanCli, MovedBytesAreUnknownNotZeroWithoutAnExpertSize) {
    const std::string plan = "plan --policy eplb --ranks 8 --slots 40 -n 50";
    const Result unknown = cli(plan);
    ASSERT_EQ(unknown.code, 0) << unknown.out;
    EXPECT_NE(unknown.out.find("weight bytes to move: unknown (give --expert-mib"),
              std::string::npos)
        << unknown.out;
    // 3 x H x F float32 per expert, as `run` sizes them: 3 * 64 * 128 * 4 = 98,304 bytes.
    const Result dims = cli(plan + " --hidden 64 --ffn 128");
    ASSERT_EQ(dims.code, 0) << dims.out;
    const size_t at = dims.out.find("weight bytes to move: ");
    ASSERT_NE(at, std::string::npos) << dims.out;
    std::string figure = dims.out.substr(at + 22, dims.out.find('\n', at) - at - 22);
    std::erase(figure, ',');
    ASSERT_FALSE(figure.empty());
    const long long bytes = std::stoll(figure);
    EXPECT_GT(bytes, 0);
    EXPECT_EQ(bytes % 98304, 0) << figure;
    // Nothing moved: zero is known without a size.
    const Result none = cli("plan --policy contiguous -n 20");
    EXPECT_NE(none.out.find("weight bytes to move: 0"), std::string::npos) << none.out;
}

TEST(RunDecisionsCli, EachLayerRowHoldsItsOwnChange) {
    const std::string db = scratchDb();
    const Result r =
        cli("run --workload synthetic:layers=4,experts=16,top_k=2,tokens=128,skew=3 --ranks 4 "
            "--hidden 16 --ffn 32 -n 60 --policy eplb --slots 20 --rebalance-every 30 -q --db " +
            quoted(db));
    ASSERT_EQ(r.code, 0) << r.out;
    const auto d = rows(db,
                        "SELECT step, layer, balancedness_before, balancedness_after, "
                        "moved_experts, moved_bytes FROM decisions ORDER BY step, layer");
    ASSERT_EQ(d.size(), 2u * 4) << r.out;
    std::set<std::string> befores;
    int layersThatMoved = 0;
    for (const auto& row : d) {
        if (row[0] != d[0][0]) continue;  // the first rebalance
        befores.insert(row[2]);
        if (std::stoll(row[4]) > 0) {
            ++layersThatMoved;
            EXPECT_GT(std::stoll(row[5]), 0) << "layer " << row[1];
        }
    }
    // Before the fix: one balancedness on every row, the moved total on layer 0 only.
    EXPECT_GT(befores.size(), 1u) << "every layer row has the same balancedness";
    EXPECT_GT(layersThatMoved, 1) << "moved experts only on one layer's row";
}

TEST(RunDecisionsCli, MoeTunerRebalancesARun) {
    const std::string db = scratchDb();
    const Result r =
        cli("run --policy moetuner --rebalance-every 20 -n 45 --ranks 4 --hidden 16 --ffn 32 -q "
            "--db " +
            quoted(db));
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("2 rebalances"), std::string::npos) << r.out;
    const auto d = rows(db, "SELECT count(*), count(DISTINCT step) FROM decisions");
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0][0], "48");  // 2 rebalances x 24 layers
    EXPECT_EQ(d[0][1], "2");
}

}  // namespace
