// Helpers of the CLI end-to-end tests: run the real binary (blocking, or in the background so
// a test can interrupt or kill it), a scratch folder, and a default experiment database inside
// it so no test ever records into the user's real one.
#pragma once

#include <gtest/gtest.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

extern char** environ;

namespace cli_test {

namespace fs = std::filesystem;

struct Result {
    int code = -1;
    std::string out;  // stdout and stderr together
};

inline fs::path tempDir() {
    fs::path d = fs::temp_directory_path() / ("moe_cli_test_" + std::to_string(getpid()));
    fs::create_directories(d);
    return d;
}

// Every command the tests run records (if at all) into a scratch database, never into
// ~/.local/share; tests that care pass --db themselves.
inline void isolateDefaultDatabase() {
    static const bool done = [] {
        setenv("MOE_DB", (tempDir() / "default.sqlite").c_str(), 1);
        return true;
    }();
    (void)done;
}

inline std::string quoted(const std::string& s) { return "'" + s + "'"; }

// Runs in the store at `db`, read with SQLite itself (not the code under test); -1 when the
// file cannot be read as a store.
inline int64_t runCount(const std::string& db) {
    sqlite3* h = nullptr;
    int64_t n = -1;
    if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(h, "SELECT count(*) FROM experiments", -1, &st, nullptr) ==
                SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close_v2(h);
    return n;
}

inline Result cli(const std::string& args) {
    isolateDefaultDatabase();
    const std::string cmd = std::string("'") + MOE_CLI_PATH + "' " + args + " 2>&1 </dev/null";
    Result r;
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return r;
    std::array<char, 4096> buf{};
    size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
    const int status = pclose(p);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

// The binary in the background, its output to `log`; returns its pid (the CLI's own: the
// shell execs it).
inline pid_t spawnCli(const std::string& args, const fs::path& log) {
    isolateDefaultDatabase();
    const std::string cmd = std::string("exec '") + MOE_CLI_PATH + "' " + args + " >'" +
                            log.string() + "' 2>&1 </dev/null";
    const char* argv[] = {"/bin/sh", "-c", cmd.c_str(), nullptr};
    pid_t pid = -1;
    if (posix_spawn(&pid, "/bin/sh", nullptr, nullptr, const_cast<char**>(argv), environ) != 0)
        return -1;
    return pid;
}

inline void writeFile(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

inline std::string readFile(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace cli_test
