// Bad files and places: a text file passed as the database, a damaged database, a read-only
// or impossible location, a full disk (the database capped with max_page_count), an unknown
// run id. Each gives a moe::Error naming the file and the problem, and loses nothing saved.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/common/error.h"
#include "core/store/experiment_store.h"
#include "core/store/run_reader.h"
#include "core/store/run_recorder.h"
#include "tests/core/common/error_of.h"
#include "tests/core/store/store_test_support.h"

namespace moe::store {
namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

using moe::test::errorOf;

TEST(StoreBadInput, TextFileIsNotADatabaseAndStaysUntouched) {
    test::ScratchDir dir;
    const std::string path = dir.path("notes.txt").string();
    std::ofstream(path) << "these are my notes, not a database\n";
    const std::string before = slurp(path);
    std::string m = errorOf([&] { RunWriter w(path, test::testRunInfo()); });
    EXPECT_NE(m.find(path), std::string::npos) << m;
    EXPECT_NE(m.find("not an SQLite database"), std::string::npos) << m;
    m = errorOf([&] { ExperimentStore s(path); });
    EXPECT_NE(m.find("not an SQLite database"), std::string::npos) << m;
    EXPECT_EQ(slurp(path), before);
    EXPECT_FALSE(std::filesystem::exists(path + "-wal"));
}

TEST(StoreBadInput, DamagedDatabaseIsReportedNotMisread) {
    test::ScratchDir dir;
    const std::string path = dir.path("damaged.sqlite").string();
    {
        RunRecorder rec(path, test::testRunInfo(8, 16, 2));
        for (int s = 0; s < 400; ++s) rec.record(test::makeFrame(s, 8, 16, 2));
        rec.finish(RunStatus::Finished);
    }
    std::string bytes = slurp(path);
    ASSERT_GT(bytes.size(), 64u * 4096);
    for (size_t i = 8 * 4096; i < bytes.size() - 4096; i += 4096)  // scribble over the tables
        for (size_t j = 0; j < 4096; ++j) bytes[i + j] = static_cast<char>(j * 37 + i);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    const std::string m = errorOf([&] {
        ExperimentStore store(path);
        RunReader reader(store.connection(), store.run(1));
        reader.forEachStep([](const StepTelemetry&) {});
    });
    EXPECT_NE(m.find(path), std::string::npos) << m;
    EXPECT_NE(m.find("damaged"), std::string::npos) << m;
}

TEST(StoreBadInput, ImpossibleAndMissingLocations) {
    std::string m = errorOf([] { RunWriter w("/proc/moe-no-such/x.sqlite", test::testRunInfo()); });
    EXPECT_NE(m.find("/proc/moe-no-such/x.sqlite"), std::string::npos) << m;
    test::ScratchDir dir;
    const std::string missing = dir.path("nothing-here.sqlite").string();
    m = errorOf([&] { ExperimentStore s(missing); });
    EXPECT_NE(m.find(missing), std::string::npos) << m;
    EXPECT_NE(m.find("no experiment database"), std::string::npos) << m;
    EXPECT_FALSE(std::filesystem::exists(missing));  // browsing never creates a file
}

// A directory given as the database is named as such (SQLite's own "unable to open" read like
// a permissions problem), for writing a run and for browsing alike.
TEST(StoreBadInput, DirectoryIsNotADatabaseFile) {
    test::ScratchDir dir;
    const std::string folder = dir.path("runs.sqlite").string();
    std::filesystem::create_directories(folder);
    const std::string want = folder + ": is a directory, not a database file";
    std::string m = errorOf([&] { RunWriter w(folder, test::testRunInfo()); });
    EXPECT_EQ(m.rfind(want, 0), 0u) << m;
    m = errorOf([&] { ExperimentStore s(folder); });
    EXPECT_EQ(m.rfind(want, 0), 0u) << m;
}

TEST(StoreBadInput, UnknownRunIdNamesFileAndId) {
    test::ScratchDir dir;
    const std::string path = dir.path("runs.sqlite").string();
    RunRecorder(path, test::testRunInfo()).finish(RunStatus::Finished);
    ExperimentStore store(path);
    std::string m = errorOf([&] { store.run(42); });
    EXPECT_NE(m.find(path), std::string::npos) << m;
    EXPECT_NE(m.find("no run 42"), std::string::npos) << m;
    m = errorOf([&] { store.resolveRun("nope"); });
    EXPECT_NE(m.find("'nope'"), std::string::npos) << m;
    m = errorOf([&] { store.deleteRun(42); });
    EXPECT_NE(m.find("no run 42"), std::string::npos) << m;
    EXPECT_EQ(store.listRuns().size(), 1u);
}

TEST(StoreBadInput, FullDatabaseStopsTheRunAndKeepsEveryCommittedBatch) {
    test::ScratchDir dir;
    const std::string path = dir.path("full.sqlite").string();
    RecorderOptions options;
    options.batchInterval = std::chrono::milliseconds(10);
    options.writer.maxPageCount = 256;  // 1 MiB with 4 KiB pages: a few hundred steps
    RunRecorder rec(path, test::testRunInfo(24, 32, 4), options);
    std::string m;
    int64_t s = 0;
    try {
        for (; s < 1'000'000; ++s) {
            rec.record(test::makeFrame(s, 24, 32, 4));
            std::this_thread::sleep_for(std::chrono::milliseconds(1));  // a few steps a batch
        }
    } catch (const Error& e) {
        m = e.what();
    }
    EXPECT_NE(m.find(path), std::string::npos) << m;
    EXPECT_NE(m.find("full"), std::string::npos) << m;
    EXPECT_THROW(rec.finish(RunStatus::Finished), Error);
    const int64_t committed = rec.stats().committedSteps;
    EXPECT_GT(committed, 0);

    test::RawDb raw(path);
    EXPECT_EQ(raw.text("PRAGMA integrity_check"), "ok");
    ExperimentStore store(path);
    const RunRecord run = store.run(1);
    EXPECT_EQ(run.status, RunStatus::Failed);
    EXPECT_NE(run.error.find("full"), std::string::npos) << run.error;
    EXPECT_EQ(run.steps, committed);
    RunReader reader(store.connection(), run);
    int64_t next = 0;
    reader.forEachStep([&](const StepTelemetry& t) {
        test::expectSameFrame(t, test::makeFrame(next++, 24, 32, 4));
    });
    EXPECT_EQ(next, committed);
}

TEST(StoreBadInput, FrameOfTheWrongShapeIsRefused) {
    test::ScratchDir dir;
    const std::string path = dir.path("shape.sqlite").string();
    RecorderOptions options;
    options.batchInterval = std::chrono::milliseconds(10);
    RunRecorder rec(path, test::testRunInfo(3, 5, 2), options);
    rec.record(test::makeFrame(0, 3, 6, 2));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const std::string m = errorOf([&] { rec.record(test::makeFrame(1, 3, 5, 2)); });
    EXPECT_NE(m.find("6 experts"), std::string::npos) << m;
    EXPECT_THROW(rec.finish(RunStatus::Finished), Error);
}

// A read-only location for real: a small tmpfs remounted read-only. Needs root and mount
// rights; skipped cleanly without them. Unmounted however the test ends.
TEST(StoreBadInput, ReadOnlyFilesystemCanBeBrowsedButNotWritten) {
    test::ScratchDir dir;
    const auto mnt = dir.path("ro");
    std::filesystem::create_directories(mnt);
    if (mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=4m") != 0)
        GTEST_SKIP() << "cannot mount a tmpfs here (needs root): " << std::strerror(errno);
    struct Unmount {
        std::string at;
        ~Unmount() { umount2(at.c_str(), MNT_DETACH); }
    } unmount{mnt.string()};
    const std::string path = (mnt / "runs.sqlite").string();
    {
        RunRecorder rec(path, test::testRunInfo());
        for (int s = 0; s < 10; ++s) rec.record(test::makeFrame(s));
        rec.finish(RunStatus::Finished);
    }
    if (mount("tmpfs", mnt.c_str(), "tmpfs", MS_REMOUNT | MS_RDONLY, nullptr) != 0)
        GTEST_SKIP() << "cannot remount read-only";
    {
        ExperimentStore store(path);
        EXPECT_TRUE(store.readOnly());
        ASSERT_EQ(store.listRuns().size(), 1u);
        EXPECT_EQ(store.listRuns()[0].steps, 10);
        std::string m = errorOf([&] { store.deleteRun(1); });
        EXPECT_NE(m.find("read-only"), std::string::npos) << m;
        EXPECT_NE(m.find(path), std::string::npos) << m;
    }
    const std::string m = errorOf([&] { RunWriter w(path, test::testRunInfo()); });
    EXPECT_NE(m.find(path), std::string::npos) << m;
    EXPECT_NE(m.find("read-only"), std::string::npos) << m;
}

}  // namespace
}  // namespace moe::store
