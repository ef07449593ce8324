// Schema versions: a file made by the first schema (the committed fixture) opens, is upgraded
// and keeps its data; the fixture's DDL is the one schemaV1Ddl() ships; a file from a newer
// build, or somebody else's SQLite file, is refused and left untouched.
#include <gtest/gtest.h>

#include <fstream>

#include "core/common/error.h"
#include "core/store/experiment_store.h"
#include "core/store/run_reader.h"
#include "core/store/run_writer.h"
#include "core/store/schema.h"
#include "core/store/summary_metrics.h"
#include "tests/core/store/store_test_support.h"

namespace moe::store {
namespace {

const std::string kFixture =
    std::string(MOE_SOURCE_DIR) + "/tests/data/store/experiments_v1.sqlite";

std::string copyFixture(const test::ScratchDir& dir) {
    const auto to = dir.path("v1.sqlite");
    std::filesystem::copy_file(kFixture, to);
    return to.string();
}

std::string schemaSql(const std::string& path) {
    test::RawDb raw(path);
    return raw.text(
        "SELECT group_concat(sql, ';') FROM (SELECT sql FROM sqlite_master WHERE sql IS NOT "
        "NULL ORDER BY name)");
}

TEST(StoreMigration, FixtureWasMadeWithTheShippedV1Ddl) {
    test::ScratchDir dir;
    const std::string fresh = dir.path("fresh_v1.sqlite").string();
    {
        SqliteConnection db(fresh, SqliteConnection::Mode::Create);
        migrate(db, 1);
        EXPECT_EQ(schemaVersion(db), 1);
    }
    EXPECT_EQ(schemaSql(fresh), schemaSql(kFixture));
}

TEST(StoreMigration, V1FixtureOpensUpgradesAndKeepsItsData) {
    test::ScratchDir dir;
    const std::string path = copyFixture(dir);
    ExperimentStore store(path);
    {
        test::RawDb raw(path);
        EXPECT_EQ(raw.integer("PRAGMA user_version"), kSchemaVersion);
        EXPECT_EQ(raw.text("PRAGMA integrity_check"), "ok");
        // v2 moved the comma-separated tags into their own table and dropped the column.
        EXPECT_EQ(raw.integer("SELECT count(*) FROM pragma_table_info('experiments') WHERE "
                              "name = 'tags'"),
                  0);
    }
    const auto runs = store.listRuns();
    ASSERT_EQ(runs.size(), 2u);
    const RunRecord& r1 = runs[0];
    EXPECT_EQ(r1.name, "v1-baseline");
    EXPECT_EQ(r1.status, RunStatus::Finished);
    EXPECT_EQ(r1.tags, (std::vector<std::string>{"baseline", "gpt-oss"}));
    EXPECT_EQ(r1.notes, "");
    EXPECT_EQ(r1.codeVersion, "0.0.9");
    EXPECT_EQ(r1.steps, 3);
    // The run left "running" by a host that stopped beating long ago is settled.
    EXPECT_EQ(runs[1].status, RunStatus::Interrupted);
    EXPECT_NE(runs[1].error.find("some-other-host"), std::string::npos) << runs[1].error;

    RunReader reader(store.connection(), r1);
    const LayerHistory h = reader.layerLoads(1);
    ASSERT_EQ(h.steps, (std::vector<int64_t>{0, 1, 2}));
    EXPECT_EQ(h.counts, (std::vector<int64_t>{1, 3, 3, 1, 2, 3, 2, 1, 3, 3, 1, 1}));
    EXPECT_EQ(h.dropped, (std::vector<int64_t>{0, 0, 1}));
    int steps = 0;
    reader.forEachStep([&](const StepTelemetry& t) {
        EXPECT_EQ(t.rankBusySeconds, (std::vector<double>{0.5, 0.25, 0.5, 0.25}));
        EXPECT_EQ(t.rankRowsAt(0, 0) + t.rankRowsAt(0, 1), 8);
        ++steps;
    });
    EXPECT_EQ(steps, 3);
    // No metrics were recorded by v1: the summary is recomputed from the stored steps.
    bool recomputed = false;
    const auto m = runLevelMetrics(reader, r1, &recomputed);
    EXPECT_TRUE(recomputed);
    EXPECT_DOUBLE_EQ(m.at(metric::kSteps), 3);
    EXPECT_DOUBLE_EQ(m.at(metric::kTokens), 12);
    EXPECT_DOUBLE_EQ(m.at(metric::kDroppedPairs), 1);
    EXPECT_NEAR(m.at(metric::kTokensPerSecond), 12 / 0.06, 1e-9);

    // The upgraded file takes new runs and tags.
    store.addTags(1, {"migrated"});
    EXPECT_EQ(store.run(1).tags.size(), 3u);
    RunWriter w(path, test::testRunInfo());
    EXPECT_EQ(w.runId(), 3);
}

TEST(StoreMigration, NewerSchemaIsRefusedNamingFileAndVersions) {
    test::ScratchDir dir;
    const std::string path = copyFixture(dir);
    {
        test::RawDb raw(path);
        raw.exec("PRAGMA user_version = 7");
    }
    try {
        ExperimentStore store(path);
        FAIL() << "opened a newer file";
    } catch (const Error& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find(path), std::string::npos) << m;
        EXPECT_NE(m.find("version 7"), std::string::npos) << m;
        EXPECT_NE(m.find("version " + std::to_string(kSchemaVersion)), std::string::npos) << m;
    }
    EXPECT_THROW(RunWriter(path, test::testRunInfo()), Error);
    test::RawDb raw(path);
    EXPECT_EQ(raw.integer("SELECT count(*) FROM experiments"), 2);  // untouched
    EXPECT_EQ(raw.integer("PRAGMA user_version"), 7);
}

TEST(StoreMigration, ForeignSqliteFileIsNotWrittenInto) {
    test::ScratchDir dir;
    const std::string path = dir.path("other.sqlite").string();
    {
        test::RawDb::create(path);
        test::RawDb raw(path);
        raw.exec("CREATE TABLE recipes (name TEXT); INSERT INTO recipes VALUES ('soup')");
    }
    try {
        RunWriter w(path, test::testRunInfo());
        FAIL() << "wrote into a foreign database";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("not a MoE Workbench experiment store"),
                  std::string::npos)
            << e.what();
    }
    test::RawDb raw(path);
    EXPECT_EQ(raw.text("SELECT group_concat(name) FROM sqlite_master"), "recipes");
}

}  // namespace
}  // namespace moe::store
