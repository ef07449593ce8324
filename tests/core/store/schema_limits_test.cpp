// Damaged databases (fuzz/fuzz_store.cpp): a header with a negative schema version once
// indexed the migrations with it, and a run row's shape sizes every array read back. Each is
// now one error naming the file and the problem.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "core/common/error.h"
#include "core/store/experiment_store.h"
#include "core/store/run_reader.h"
#include "core/store/run_recorder.h"
#include "tests/core/store/store_test_support.h"

namespace moe::store {
namespace {

TEST(StoreSchemaLimits, NegativeSchemaVersionIsNamed) {
    test::ScratchDir dir;
    const std::string path = dir.path("negative.sqlite").string();
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE t (x); PRAGMA user_version = -5;", nullptr, nullptr,
                           nullptr),
              SQLITE_OK);
    sqlite3_close(db);
    try {
        ExperimentStore store(path);
        FAIL() << "opened a database of schema version -5";
    } catch (const Error& e) {
        EXPECT_EQ(std::string(e.what()), path +
                                             ": the database has schema version -5, which no "
                                             "moe-workbench writes (a damaged header?)");
    }
}

TEST(StoreSchemaLimits, RunShapeOfAbsurdSizeIsNamedNotAllocated) {
    test::ScratchDir dir;
    const std::string path = dir.path("shape.sqlite").string();
    {
        RunRecorder rec(path, test::testRunInfo(3, 5, 2));
        for (int s = 0; s < 3; ++s) rec.record(test::makeFrame(s, 3, 5, 2));
        rec.finish(RunStatus::Finished);
    }
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(
        sqlite3_exec(db, "UPDATE experiments SET layers = 1000000000", nullptr, nullptr, nullptr),
        SQLITE_OK);
    sqlite3_close(db);
    ExperimentStore store(path);
    const RunRecord run = store.run(store.resolveRun("last"));
    try {
        RunReader reader(store.connection(), run);
        FAIL() << "read a run of 10^9 layers";
    } catch (const Error& e) {
        EXPECT_EQ(std::string(e.what()), path + ": the database is damaged: run " +
                                             std::to_string(run.id) +
                                             " has 1000000000 layers, 5 experts and 2 ranks");
    }
}

}  // namespace
}  // namespace moe::store
