// The guard every output writer goes through (core/common/output_file.h): an experiment
// database or a directory given as an output file is refused with a message naming the path,
// the refused file is left byte for byte as it was, and a write that fails halfway leaves the
// old file (or none) rather than a truncated one.
#include "core/common/output_file.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/common/error.h"
#include "core/stats/loads_csv_writer.h"

namespace moe {
namespace {

namespace fs = std::filesystem;

class OutputFileTest : public ::testing::Test {
protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        dir_ = fs::temp_directory_path() /
               ("moe_output_file_" + std::to_string(::getpid()) + "_" + info->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    std::string path(const std::string& name) const { return (dir_ / name).string(); }

    // A real SQLite database with one table and one row, as the store would leave it.
    std::string makeDatabase(const std::string& name) const {
        const std::string p = path(name);
        sqlite3* db = nullptr;
        EXPECT_EQ(sqlite3_open(p.c_str(), &db), SQLITE_OK);
        EXPECT_EQ(sqlite3_exec(db, "CREATE TABLE runs(id INTEGER); INSERT INTO runs VALUES (7);",
                               nullptr, nullptr, nullptr),
                  SQLITE_OK);
        sqlite3_close(db);
        return p;
    }

    static std::string read(const std::string& p) {
        std::ifstream in(p, std::ios::binary);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }

    // Every file in the scratch folder (to see that no temporary file is left behind).
    size_t files() const {
        return static_cast<size_t>(std::distance(fs::directory_iterator(dir_), {}));
    }

    fs::path dir_;
};

// Runs `action`, which must throw moe::Error whose message starts "PATH: " and contains `why`.
template <typename F>
void expectRefused(F action, const std::string& path, const std::string& why) {
    try {
        action();
        ADD_FAILURE() << "no error for " << path;
    } catch (const Error& e) {
        const std::string what = e.what();
        EXPECT_EQ(what.rfind(path + ": ", 0), 0u) << what;
        EXPECT_NE(what.find(why), std::string::npos) << what;
    }
}

TEST_F(OutputFileTest, RefusesAnSqliteDatabaseAndLeavesItAlone) {
    const std::string db = makeDatabase("store.sqlite");
    const std::string before = read(db);
    const std::string why =
        "is an SQLite database (an experiment store?); refusing to overwrite it";
    expectRefused([&] { checkOutputPath(db); }, db, why);
    expectRefused([&] { OutputFile out(db); }, db, why);
    expectRefused([&] { writeOutputFile(db, "step,layer\n"); }, db, why);
    expectRefused([&] { LoadsCsvWriter w(db); }, db, why);
    EXPECT_EQ(read(db), before);
    EXPECT_EQ(files(), 1u);  // no temporary file left
}

TEST_F(OutputFileTest, RefusesADatabasesWalAndJournal) {
    const std::string db = makeDatabase("store.sqlite");
    for (const char* suffix : {"-wal", "-shm", "-journal"})
        expectRefused([&] { checkOutputPath(db + suffix); }, db + suffix,
                      "belongs to the SQLite database " + db);
    // The same suffix on a file that is no database's companion is an ordinary output.
    EXPECT_NO_THROW(checkOutputPath(path("report-wal")));
}

TEST_F(OutputFileTest, RefusesADirectory) {
    expectRefused([&] { checkOutputPath(dir_.string()); }, dir_.string(), "is a directory");
    expectRefused([&] { LoadsCsvWriter w(dir_.string()); }, dir_.string(), "is a directory");
}

TEST_F(OutputFileTest, OverwritesAnOrdinaryFileAndCreatesANewOne) {
    const std::string old = path("old.csv");
    std::ofstream(old) << "a much longer old content that must be gone afterwards\n";
    writeOutputFile(old, "new\n");
    EXPECT_EQ(read(old), "new\n");
    writeOutputFile(path("fresh.csv"), "x\n");
    EXPECT_EQ(read(path("fresh.csv")), "x\n");
    EXPECT_EQ(files(), 2u);
}

TEST_F(OutputFileTest, AFailedWriteLeavesTheOldFileAndNoTemporary) {
    const std::string old = path("keep.csv");
    std::ofstream(old) << "old\n";
    try {
        OutputFile out(old);
        out.write("half of the new conte");
        throw std::runtime_error("the writer failed halfway");
    } catch (const std::runtime_error&) {
    }
    EXPECT_EQ(read(old), "old\n");
    EXPECT_EQ(files(), 1u);
}

TEST_F(OutputFileTest, KeepsTheModeOfAnExistingFile) {
    const std::string old = path("mode.csv");
    std::ofstream(old) << "old\n";
    fs::permissions(old, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
    writeOutputFile(old, "new\n");
    EXPECT_EQ(fs::status(old).permissions(),
              fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
}

TEST_F(OutputFileTest, WritesThroughASymbolicLinkToItsTarget) {
    const std::string target = path("target.csv"), link = path("link.csv");
    std::ofstream(target) << "old\n";
    fs::create_symlink(target, link);
    writeOutputFile(link, "new\n");
    EXPECT_TRUE(fs::is_symlink(link));
    EXPECT_EQ(read(target), "new\n");
}

TEST_F(OutputFileTest, WritesDevicesDirectly) {
    EXPECT_NO_THROW(writeOutputFile("/dev/null", "discarded\n"));
}

}  // namespace
}  // namespace moe
