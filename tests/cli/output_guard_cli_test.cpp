// An output file that is the experiment database must never overwrite it: `export --out`,
// `run --loads-csv`, `predict --json` once truncated the store to a few bytes of CSV and every
// recorded run was gone. Each must now fail with a message naming the file, and leave the
// store as it was.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "cli_support.h"

namespace {

using namespace cli_test;

// A store with two recorded runs, private to the running test.
std::string storeWithRuns() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    const fs::path p = tempDir() / (std::string("guard_") + info->name() + ".sqlite");
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(p.string() + suffix);
    for (int i = 0; i < 2; ++i) {
        const Result r = cli("run --db " + quoted(p.string()) +
                             " --steps 2 --ranks 2 --hidden 16 --ffn 16 --batch 8 -q");
        EXPECT_EQ(r.code, 0) << r.out;
    }
    return p.string();
}

void expectStoreSurvives(const std::string& args) {
    const std::string db = storeWithRuns();
    ASSERT_EQ(runCount(db), 2);
    const Result r = cli(args + " " + quoted(db) + " --db " + quoted(db));
    EXPECT_NE(r.code, 0) << args << "\n" << r.out;
    EXPECT_NE(r.out.find(db + ": is an SQLite database (an experiment store?); refusing to "
                              "overwrite it"),
              std::string::npos)
        << args << "\n"
        << r.out;
    EXPECT_EQ(runCount(db), 2) << args;
    const Result list = cli("runs list --db " + quoted(db));
    EXPECT_EQ(list.code, 0) << list.out;
}

TEST(OutputGuardCli, ExportOutIsNotTheStore) { expectStoreSurvives("export 1 --out"); }

TEST(OutputGuardCli, RunLoadsCsvIsNotTheStore) {
    expectStoreSurvives("run -n 3 --ranks 2 --hidden 16 --ffn 16 -q --loads-csv");
}

TEST(OutputGuardCli, PredictJsonAndCsvAreNotTheStore) {
    expectStoreSurvives("predict -n 5 --json");
    expectStoreSurvives("predict -n 5 --csv");
}

TEST(OutputGuardCli, OtherWritersRefuseTheStoreToo) {
    const std::string db = storeWithRuns();
    for (const std::string& cmd : {"stats -n 5 --out", "plan -n 5 --out", "sweep --csv",
                                   "train -n 1 --no-db --csv", "train -n 1 --no-db --checkpoint"}) {
        const Result r = cli(cmd + " " + quoted(db));
        EXPECT_NE(r.code, 0) << cmd << "\n" << r.out;
        EXPECT_NE(r.out.find("is an SQLite database"), std::string::npos) << cmd << "\n" << r.out;
    }
    EXPECT_EQ(runCount(db), 2);
}

TEST(OutputGuardCli, ADirectoryIsNoOutputFile) {
    const Result r = cli("stats -n 5 --out " + quoted(tempDir().string()));
    EXPECT_NE(r.code, 0) << r.out;
    EXPECT_NE(r.out.find(tempDir().string() + ": is a directory"), std::string::npos) << r.out;
}

TEST(OutputGuardCli, StdoutStillWorks) {
    const std::string db = storeWithRuns();
    Result r = cli("export 1 --db " + quoted(db) + " --out -");
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_EQ(r.out.rfind("step,layer,expert,tokens\n", 0), 0u) << r.out.substr(0, 200);
    r = cli("export 1 --db " + quoted(db) + " --out /dev/stdout");
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_EQ(r.out.rfind("step,layer,expert,tokens\n", 0), 0u) << r.out.substr(0, 200);
}

}  // namespace
