// The experiment store through the real binary, as a user would drive it: `run` records,
// `runs list|show|delete|tag|note`, `compare`, `export`; Ctrl-C and SIGKILL during a run;
// a run that fails; and bad databases (a text file, a newer schema, an impossible place, a
// full disk, an unknown run id), each a clear message and a non-zero exit.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/mount.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli_support.h"

namespace {

using namespace cli_test;

const std::string kSmall = "--ranks 2 --hidden 16 --ffn 16 --batch 8 -q";
const std::string kEndless =
    "run --workload synthetic:layers=24,experts=32,top_k=4,tokens=64 --steps 0 --hidden 16 "
    "--ffn 16 --commit-interval 0.05 ";

// A database file of the running test's own.
std::string testDb() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    const fs::path p = tempDir() / (std::string(info->name()) + ".sqlite");
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(p.string() + suffix);
    return p.string();
}

// One value from the database, read the way an outside tool would ("" when unreadable).
std::string query(const std::string& db, const std::string& sql) {
    sqlite3* h = nullptr;
    std::string out;
    if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_busy_timeout(h, 5000);
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
            out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
    }
    sqlite3_close_v2(h);
    return out;
}

int64_t committedSteps(const std::string& db) {
    const std::string s = query(db, "SELECT steps FROM experiments WHERE id = 1");
    return s.empty() ? 0 : std::stoll(s);
}

// Waits until the background run has committed `batches` distinct step counts.
bool waitForBatches(const std::string& db, int batches, pid_t pid) {
    int64_t last = 0;
    int seen = 0;
    const auto giveUp = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (seen < batches && std::chrono::steady_clock::now() < giveUp) {
        if (waitpid(pid, nullptr, WNOHANG) == pid) return false;  // ended on its own
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        const int64_t s = fs::exists(db) ? committedSteps(db) : 0;
        if (s > last) {
            last = s;
            ++seen;
        }
    }
    return seen >= batches;
}

int waitExit(pid_t pid) {
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Two finished runs: 1 "alpha" on the bundled trace, 2 "beta" on synthetic routing.
void recordTwoRuns(const std::string& db, const std::string& loadsCsv = "") {
    Result r = cli("run --db " + quoted(db) + " --steps 4 " + kSmall +
                   " --name alpha --tag t1 --tag t2 --note 'first try'" +
                   (loadsCsv.empty() ? "" : " --loads-csv " + quoted(loadsCsv)));
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find(" saved to " + db + " (finished, 4 steps)"), std::string::npos) << r.out;
    r = cli("run --db " + quoted(db) +
            " --workload synthetic:layers=3,experts=8,top_k=2,tokens=64 --steps 6 " + kSmall +
            " --name beta");
    ASSERT_EQ(r.code, 0) << r.out;
}

TEST(StoreCli, RunPrintsItsIdAndRunsListFilters) {
    const std::string db = testDb();
    const Result r = cli("run --db " + quoted(db) + " --steps 2 --ranks 2 --hidden 16 --ffn 16");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("run 1: recording to " + db), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("run 1 saved to " + db), std::string::npos) << r.out;
    recordTwoRuns(db);  // runs 2 (alpha) and 3 (beta)
    Result list = cli("runs list --db " + quoted(db));
    ASSERT_EQ(list.code, 0) << list.out;
    EXPECT_NE(list.out.find("alpha"), std::string::npos) << list.out;
    EXPECT_NE(list.out.find("beta"), std::string::npos) << list.out;
    EXPECT_NE(list.out.find("t1,t2"), std::string::npos) << list.out;
    EXPECT_NE(list.out.find("finished"), std::string::npos) << list.out;
    list = cli("runs list --db " + quoted(db) + " --tag t1");
    EXPECT_NE(list.out.find("alpha"), std::string::npos) << list.out;
    EXPECT_EQ(list.out.find("beta"), std::string::npos) << list.out;
    list = cli("runs list --db " + quoted(db) + " --search BETA --format json");
    ASSERT_EQ(list.code, 0) << list.out;
    const auto j = nlohmann::json::parse(list.out);
    ASSERT_EQ(j.size(), 1u);
    EXPECT_EQ(j[0]["name"], "beta");
    EXPECT_EQ(j[0]["steps"], 6);
    list = cli("runs list --db " + quoted(db) + " --status failed");
    EXPECT_NE(list.out.find("no runs match"), std::string::npos) << list.out;
}

// `runs` alone is the list, and --db may come before the sub-command as well as after it.
TEST(StoreCli, RunsAloneListsAndTakesTheDatabaseBeforeTheSubcommand) {
    const std::string db = testDb();
    recordTwoRuns(db);
    for (const std::string args : {"runs --db " + quoted(db), "runs --db " + quoted(db) + " list",
                                   "runs --db " + quoted(db) + " show beta"}) {
        const Result r = cli(args);
        ASSERT_EQ(r.code, 0) << args << ": " << r.out;
        EXPECT_NE(r.out.find("beta"), std::string::npos) << args << ": " << r.out;
    }
    EXPECT_NE(cli("runs --db " + quoted(db)).out.find("alpha"), std::string::npos);
}

TEST(StoreCli, RunsShowHasConfigMachineMetricsAndSkewness) {
    const std::string db = testDb();
    recordTwoRuns(db);
    const Result r = cli("runs show 1 --db " + quoted(db));
    ASSERT_EQ(r.code, 0) << r.out;
    for (const char* want :
         {"run 1: alpha (finished)", "first try", "machine", "backend", "hardware threads",
          "24 layers x 32 experts, 2 ranks", "Summary", "tokens/s", "mean skewness", "Per layer",
          "skew(step avg)", "Per rank", "Configuration", "\"hidden\": 16", "\"spec\""})
        EXPECT_NE(r.out.find(want), std::string::npos) << want << "\n" << r.out;
    EXPECT_EQ(cli("runs show beta --db " + quoted(db)).code, 0);
    EXPECT_NE(cli("runs show last --db " + quoted(db)).out.find("run 2: beta"), std::string::npos);
}

TEST(StoreCli, ExportedLoadsEqualTheRunsLoadsCsv) {
    const std::string db = testDb();
    const fs::path live = tempDir() / "live_loads.csv", exported = tempDir() / "exported.csv";
    recordTwoRuns(db, live.string());
    Result r = cli("export 1 --db " + quoted(db) + " --what loads --format csv --out " +
                   quoted(exported.string()));
    ASSERT_EQ(r.code, 0) << r.out;
    const std::string csv = readFile(exported);
    EXPECT_EQ(csv, readFile(live));
    EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 4 * 24 * 32);

    r = cli("export 1 --db " + quoted(db) + " --what ranks");  // stdout
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_EQ(r.out.rfind("step,layer,rank,rows,busy_seconds\n", 0), 0u) << r.out.substr(0, 80);
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1 + 4 * 24 * 2);

    r = cli("export 2 --db " + quoted(db) + " --what loads --format json");
    ASSERT_EQ(r.code, 0) << r.out.substr(0, 300);
    const auto j = nlohmann::json::parse(r.out);
    ASSERT_EQ(j["steps"].size(), 6u);
    long pairs = 0;
    for (long v : j["steps"][0]["loads"][0]) pairs += v;
    EXPECT_EQ(pairs, 64 * 2);  // tokens x top-k
    for (const char* what : {"predictions", "decisions"}) {
        r = cli("export 2 --db " + quoted(db) + " --format json --what " + what);
        ASSERT_EQ(r.code, 0) << r.out;
        EXPECT_TRUE(nlohmann::json::parse(r.out)[what].empty());
        r = cli("export 2 --db " + quoted(db) + " --what " + what);
        EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;  // header only
    }
    r = cli("export 1 --db " + quoted(db) + " --out /no/such/dir/x.csv");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("/no/such/dir/x.csv"), std::string::npos) << r.out;
}

TEST(StoreCli, CompareShowsKeyMetricsSideBySide) {
    const std::string db = testDb();
    recordTwoRuns(db);
    Result r = cli("compare 1 beta --db " + quoted(db));
    ASSERT_EQ(r.code, 0) << r.out;
    for (const char* want : {"run 1", "run 2", "alpha", "beta", "steps", "tokens/s",
                             "mean skewness", "balancedness", "rank busy max", "busy max/mean",
                             "dropped pairs", "frames dropped", "24x32, 2", "3x8, 2"})
        EXPECT_NE(r.out.find(want), std::string::npos) << want << "\n" << r.out;
    r = cli("compare 1 --db " + quoted(db));
    EXPECT_NE(r.code, 0);
    r = cli("compare 1 42 --db " + quoted(db));
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("no run 42"), std::string::npos) << r.out;
}

TEST(StoreCli, TagNoteAndDelete) {
    const std::string db = testDb();
    recordTwoRuns(db);
    Result r = cli("runs tag 2 x y --db " + quoted(db));
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("x, y"), std::string::npos) << r.out;
    EXPECT_NE(cli("runs list --tag y --db " + quoted(db)).out.find("beta"), std::string::npos);
    r = cli("runs tag 2 x --remove --db " + quoted(db));
    EXPECT_NE(r.out.find("tags: y"), std::string::npos) << r.out;
    r = cli("runs note 2 'slow disk, rerun' --db " + quoted(db));
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(cli("runs show 2 --db " + quoted(db)).out.find("slow disk, rerun"),
              std::string::npos);
    r = cli("runs delete 2 --yes --db " + quoted(db));
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("deleted run 2"), std::string::npos) << r.out;
    EXPECT_EQ(cli("runs list --db " + quoted(db)).out.find("beta"), std::string::npos);
    EXPECT_EQ(query(db, "SELECT count(*) FROM loads WHERE run_id = 2"), "0");
    r = cli("runs delete 42 --yes --db " + quoted(db));
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("no run 42"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(db), std::string::npos) << r.out;
    EXPECT_NE(cli("runs show 1 --db " + quoted(db)).code, 1);  // run 1 untouched
}

TEST(StoreCli, DeleteAsksOnATerminal) {
    if (std::system("command -v script >/dev/null 2>&1") != 0)
        GTEST_SKIP() << "no `script` to give the command a terminal";
    const std::string db = testDb();
    recordTwoRuns(db);
    const fs::path log = tempDir() / "tty.log";
    auto onTerminal = [&](const std::string& answer) {
        const std::string cmd = "printf '" + answer + "\\n' | script -qec \"'" +
                                std::string(MOE_CLI_PATH) + "' runs delete 1 --db '" + db +
                                "'\" /dev/null > '" + log.string() + "' 2>&1";
        return std::system(cmd.c_str());
    };
    onTerminal("n");
    EXPECT_NE(readFile(log).find("[y/N]"), std::string::npos) << readFile(log);
    EXPECT_NE(readFile(log).find("nothing deleted"), std::string::npos) << readFile(log);
    EXPECT_EQ(query(db, "SELECT count(*) FROM experiments"), "2");
    onTerminal("y");
    EXPECT_NE(readFile(log).find("deleted run 1"), std::string::npos) << readFile(log);
    EXPECT_EQ(query(db, "SELECT count(*) FROM experiments"), "1");
}

// Without a terminal there is nobody to ask: piped input (even a "n") or an empty stdin once
// meant "delete"; now it is refused unless --yes says the deletion is meant.
TEST(StoreCli, DeleteWithoutATerminalNeedsYes) {
    const std::string db = testDb();
    recordTwoRuns(db);
    const std::string message = "error: not a terminal: pass --yes to delete without asking";
    Result r = cli("runs delete 2 --db " + quoted(db));  // stdin is /dev/null
    EXPECT_NE(r.code, 0) << r.out;
    EXPECT_NE(r.out.find(message), std::string::npos) << r.out;
    const fs::path log = tempDir() / "piped.log";
    const std::string cmd = "echo n | '" + std::string(MOE_CLI_PATH) + "' runs delete 2 --db '" +
                            db + "' > '" + log.string() + "' 2>&1";
    EXPECT_NE(std::system(cmd.c_str()), 0);
    EXPECT_NE(readFile(log).find(message), std::string::npos) << readFile(log);
    EXPECT_EQ(query(db, "SELECT count(*) FROM experiments"), "2");
    r = cli("runs delete 2 --yes --db " + quoted(db));
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_EQ(query(db, "SELECT count(*) FROM experiments"), "1");
}

TEST(StoreCli, CtrlCFinishesTheRecordingAsInterrupted) {
    const std::string db = testDb();
    const fs::path log = tempDir() / "ctrlc.log";
    const pid_t pid = spawnCli(kEndless + "--db " + quoted(db), log);
    ASSERT_GT(pid, 0);
    ASSERT_TRUE(waitForBatches(db, 2, pid)) << readFile(log);
    kill(pid, SIGINT);
    EXPECT_EQ(waitExit(pid), 130) << readFile(log);
    EXPECT_NE(readFile(log).find("saved to " + db + " (interrupted"), std::string::npos)
        << readFile(log);
    const Result r = cli("runs show 1 --db " + quoted(db));
    EXPECT_NE(r.out.find("(interrupted)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("stopped by the user"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Per layer"), std::string::npos) << r.out;
    EXPECT_EQ(query(db, "SELECT count(*) FROM steps WHERE run_id = 1"),
              std::to_string(committedSteps(db)));
}

TEST(StoreCli, SigkilledRunShowsInterruptedToTheNextCommand) {
    const std::string db = testDb();
    const pid_t pid = spawnCli(kEndless + "--db " + quoted(db), tempDir() / "kill.log");
    ASSERT_GT(pid, 0);
    ASSERT_TRUE(waitForBatches(db, 2, pid));
    kill(pid, SIGKILL);
    EXPECT_EQ(waitExit(pid), 128 + SIGKILL);
    const int64_t committed = committedSteps(db);
    EXPECT_GT(committed, 0);
    EXPECT_EQ(query(db, "PRAGMA integrity_check"), "ok");
    const Result r = cli("runs list --db " + quoted(db));
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("interrupted"), std::string::npos) << r.out;
    EXPECT_EQ(query(db, "SELECT status FROM experiments WHERE id = 1"), "interrupted");
    EXPECT_EQ(query(db, "SELECT count(*) FROM loads WHERE run_id = 1"),
              std::to_string(committed * 24));
    EXPECT_EQ(
        cli("export 1 --db " + quoted(db) + " --out " + quoted((tempDir() / "killed.csv").string()))
            .code,
        0);
}

TEST(StoreCli, RunningRunIsNotDeletedWithoutForce) {
    const std::string db = testDb();
    const fs::path log = tempDir() / "live.log";
    const pid_t pid = spawnCli(kEndless + "--db " + quoted(db), log);
    ASSERT_GT(pid, 0);
    ASSERT_TRUE(waitForBatches(db, 1, pid)) << readFile(log);
    Result r = cli("runs delete 1 --yes --db " + quoted(db));
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("still recording"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("--force"), std::string::npos) << r.out;
    r = cli("runs delete 1 --yes --force --db " + quoted(db));
    EXPECT_EQ(r.code, 0) << r.out;
    // The recorder notices at its next commit and stops the run with a clear message.
    EXPECT_EQ(waitExit(pid), 1) << readFile(log);
    EXPECT_NE(readFile(log).find("was deleted while it was recording"), std::string::npos)
        << readFile(log);
    EXPECT_EQ(query(db, "SELECT count(*) FROM experiments"), "0");
    EXPECT_EQ(query(db, "SELECT count(*) FROM loads"), "0");
}

TEST(StoreCli, FailingRunIsMarkedFailedWithItsMessage) {
    const std::string db = testDb();
    const fs::path d = tempDir();
    writeFile(d / "bad_late.shape", "layers=2 experts=4 top_k=2\n");
    std::string trace;
    for (int i = 1; i <= 300; ++i) trace += "0\t" + std::to_string(i) + "\t0 1 2 3\n";
    trace += "0\t301\t0 1 2 9\n";
    writeFile(d / "bad_late.tsv", trace);
    Result r = cli("run --db " + quoted(db) + " --workload " +
                   quoted("trace:" + (d / "bad_late.tsv").string()) +
                   " --batching tokens -T 1 --steps 0 --hidden 8 --ffn 8 -q");
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_NE(r.out.find("bad_late.tsv:301"), std::string::npos) << r.out;
    r = cli("runs show 1 --db " + quoted(db));
    EXPECT_NE(r.out.find("(failed)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("bad_late.tsv:301"), std::string::npos) << r.out;
    EXPECT_EQ(query(db, "SELECT steps FROM experiments WHERE id = 1"), "300");
}

TEST(StoreCli, BadDatabasesGiveClearErrors) {
    const fs::path d = tempDir();
    const fs::path text = d / "notes.txt";
    writeFile(text, "not a database\n");
    for (const std::string& cmd : {std::string("run --steps 1 ") + kSmall, std::string("runs list"),
                                   std::string("runs show 1"), std::string("export 1")}) {
        const Result r = cli(cmd + " --db " + quoted(text.string()));
        EXPECT_EQ(r.code, 1) << cmd << r.out;
        EXPECT_NE(r.out.find(text.string()), std::string::npos) << cmd << r.out;
        EXPECT_NE(r.out.find("not an SQLite database"), std::string::npos) << cmd << r.out;
    }
    EXPECT_EQ(readFile(text), "not a database\n");

    const std::string db = testDb();
    recordTwoRuns(db);
    {
        sqlite3* h = nullptr;
        sqlite3_open(db.c_str(), &h);
        sqlite3_exec(h, "PRAGMA user_version = 9", nullptr, nullptr, nullptr);
        sqlite3_close(h);
    }
    Result r = cli("runs list --db " + quoted(db));
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.out.find("version 9"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("version 3"), std::string::npos) << r.out;

    r = cli("run --steps 1 " + kSmall + " --db /proc/moe/x.sqlite");
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.out.find("/proc/moe/x.sqlite"), std::string::npos) << r.out;
    r = cli("runs show 1 --db " + quoted((d / "missing.sqlite").string()));
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.out.find("no experiment database"), std::string::npos) << r.out;
    EXPECT_FALSE(fs::exists(d / "missing.sqlite"));
    r = cli("runs list --db " + quoted((d / "missing.sqlite").string()));
    EXPECT_EQ(r.code, 1);
}

TEST(StoreCli, NoDbRecordsNothingAndDefaultDbIsUsedOtherwise) {
    const std::string db = testDb();
    Result r = cli("run --steps 1 " + kSmall + " --no-db --db " + quoted(db));
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_FALSE(fs::exists(db));
    EXPECT_EQ(r.out.find("saved to"), std::string::npos) << r.out;
    // Without --db the run lands in $MOE_DB (set to a scratch file by these tests).
    r = cli("run --steps 1 " + kSmall + " --name via-env");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find(std::string(std::getenv("MOE_DB"))), std::string::npos) << r.out;
    EXPECT_NE(cli("runs list").out.find("via-env"), std::string::npos);
}

TEST(StoreCli, FirstSchemaVersionFileWorksThroughTheCli) {
    const fs::path copy = tempDir() / "v1_copy.sqlite";
    fs::remove(copy);
    fs::copy_file(std::string(MOE_SOURCE_DIR) + "/tests/data/store/experiments_v1.sqlite", copy);
    Result r = cli("runs list --db " + quoted(copy.string()));
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("v1-baseline"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("baseline,gpt-oss"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("interrupted"), std::string::npos) << r.out;
    r = cli("runs show 1 --db " + quoted(copy.string()));
    EXPECT_NE(r.out.find("recomputed from the stored steps"), std::string::npos) << r.out;
    r = cli("export 1 --db " + quoted(copy.string()));
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1 + 3 * 2 * 4) << r.out;
    EXPECT_NE(r.out.find("\n2,1,0,3\n"), std::string::npos) << r.out;
}

// A real full disk: a 320 KiB tmpfs. Needs root and mount rights; skipped cleanly otherwise.
TEST(StoreCli, FullDiskStopsTheRunWithAClearErrorAndKeepsWhatWasSaved) {
    const fs::path mnt = tempDir() / "tiny";
    fs::create_directories(mnt);
    if (mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=320k") != 0)
        GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
    struct Unmount {
        std::string at;
        ~Unmount() { umount2(at.c_str(), MNT_DETACH); }
    } unmount{mnt.string()};
    const std::string db = (mnt / "x.sqlite").string();
    const Result r = cli(kEndless + "-q --db " + quoted(db));
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_NE(r.out.find(db), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("full"), std::string::npos) << r.out;
    EXPECT_EQ(query(db, "PRAGMA integrity_check"), "ok");
    const Result list = cli("runs list --db " + quoted(db));
    EXPECT_TRUE(list.out.find("failed") != std::string::npos ||
                list.out.find("interrupted") != std::string::npos)
        << list.out;
    EXPECT_GT(committedSteps(db), 0);
    EXPECT_EQ(query(db, "SELECT count(*) FROM steps"), std::to_string(committedSteps(db)));
}

}  // namespace
