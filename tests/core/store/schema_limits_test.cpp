// Damaged databases (fuzz/fuzz_store.cpp): a header with a negative schema version once
// indexed the migrations with it, and a run row's shape sizes every array read back. Each is
// now one error naming the file and the problem.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "core/common/error.h"
#include "core/store/experiment_store.h"
#include "core/store/run_reader.h"
#include "core/store/run_recorder.h"
#include "tests/core/store/store_test_support.h"

namespace moe::store {
namespace {

// A finished run of 3 steps, 3 layers, 5 experts, 2 ranks: the row the tests then damage.
void recordSmallRun(const std::string& path) {
    RunRecorder rec(path, test::testRunInfo(3, 5, 2));
    for (int s = 0; s < 3; ++s) rec.record(test::makeFrame(s, 3, 5, 2));
    rec.finish(RunStatus::Finished);
}

// Runs `sql` on the database at `path`, as a hand edit or damage would.
void editDatabase(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
}

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
    recordSmallRun(path);
    editDatabase(path, "UPDATE experiments SET layers = 1000000000");
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

// SQLite keeps 'abc' in an integer column and reads it as 0, and keeps any text as the
// configuration: such runs were shown and exported as if sound.
TEST(StoreSchemaLimits, RowsWithValuesOfTheWrongKindAreNamed) {
    test::ScratchDir dir;
    const std::string path = dir.path("kinds.sqlite").string();
    recordSmallRun(path);
    const std::pair<const char*, const char*> cases[] = {
        {"layers = 'abc'", "layers is 'abc', not a whole number"},
        {"experts = 2.5", "experts is '2.5', not a whole number"},
        {"config = '{not json'", "its configuration is not JSON ('{not json')"},
        // Read as an int, 2^32 + 1 would have passed for 1 layer.
        {"layers = 4294967297", "layers is 4294967297, out of range"}};
    for (const auto& [update, problem] : cases) {
        const std::string copy = dir.path("copy.sqlite").string();
        std::filesystem::copy_file(path, copy, std::filesystem::copy_options::overwrite_existing);
        editDatabase(copy, std::string("UPDATE experiments SET ") + update);
        ExperimentStore store(copy);
        const RunRecord run = store.run(store.resolveRun("last"));
        EXPECT_EQ(run.damage, problem);
        try {
            RunReader reader(store.connection(), run);
            ADD_FAILURE() << "read a run whose " << update;
        } catch (const Error& e) {
            EXPECT_EQ(std::string(e.what()), copy + ": the database is damaged: run " +
                                                 std::to_string(run.id) + ": " + problem);
        }
    }
}

}  // namespace
}  // namespace moe::store
