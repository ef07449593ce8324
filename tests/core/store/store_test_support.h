// Shared by the store tests: a scratch folder per test, frames whose every number is a known
// function of (step, layer, expert/rank) so a read-back can be checked exactly, and a raw
// SQLite handle for checks the store API does not offer (integrity_check, row counts).
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "core/engine/telemetry.h"
#include "core/store/store_records.h"

namespace moe::store::test {

namespace fs = std::filesystem;

// A fresh folder named after the running test, removed when the fixture ends.
class ScratchDir {
public:
    ScratchDir() {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        dir_ = fs::temp_directory_path() / ("moe_store_test_" + std::to_string(getpid()) + "_" +
                                            info->test_suite_name() + "_" + info->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    ~ScratchDir() {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    fs::path path(const std::string& name) const { return dir_ / name; }

private:
    fs::path dir_;
};

inline RunInfo testRunInfo(int layers = 3, int experts = 5, int ranks = 2) {
    RunInfo info;
    info.name = "test run";
    info.tags = {"unit", "store"};
    info.notes = "made by a test";
    info.workload = "synthetic:test";
    info.configJson = R"({"ranks": 2})";
    info.backend = "cpu, test";
    info.layers = layers;
    info.experts = experts;
    info.ranks = ranks;
    return info;
}

inline int64_t expectedLoad(int64_t step, int layer, int expert) {
    return (step * 7 + layer * 13 + expert * 3) % 200;  // crosses the one-byte varint limit
}

inline StepTelemetry makeFrame(int64_t step, int layers = 3, int experts = 5, int ranks = 2) {
    StepTelemetry t;
    t.step = step;
    t.tokens = 16 + static_cast<int>(step % 5);
    t.layers = layers;
    t.ranks = ranks;
    t.loads = LoadMatrix(layers, experts);
    t.dropped.assign(layers, 0);
    t.rankRows.assign(static_cast<size_t>(layers) * ranks, 0);
    t.rankBusySeconds.assign(static_cast<size_t>(layers) * ranks, 0);
    for (int l = 0; l < layers; ++l) {
        for (int e = 0; e < experts; ++e) t.loads.at(l, e) = expectedLoad(step, l, e);
        t.dropped[l] = (step + l) % 3;
        for (int g = 0; g < ranks; ++g) {
            t.rankRows[static_cast<size_t>(l) * ranks + g] = step * 100 + l * 10 + g;
            // An integer over a power of two: exact, so no FMA contraction can change it.
            t.rankBusySeconds[static_cast<size_t>(l) * ranks + g] =
                static_cast<double>((step + 1) * 16 + g + l) / 8192;
        }
    }
    t.wallSeconds = static_cast<double>(step % 11 + 1) / 1024;
    return t;
}

inline void expectSameFrame(const StepTelemetry& a, const StepTelemetry& b) {
    EXPECT_EQ(a.step, b.step);
    EXPECT_EQ(a.tokens, b.tokens);
    EXPECT_EQ(a.layers, b.layers);
    EXPECT_EQ(a.ranks, b.ranks);
    EXPECT_TRUE(std::equal(a.loads.all().begin(), a.loads.all().end(), b.loads.all().begin(),
                           b.loads.all().end()))
        << "step " << a.step;
    EXPECT_EQ(a.dropped, b.dropped);
    EXPECT_EQ(a.rankRows, b.rankRows);
    EXPECT_EQ(a.rankBusySeconds, b.rankBusySeconds);
    EXPECT_DOUBLE_EQ(a.wallSeconds, b.wallSeconds);
}

// A plain sqlite3 handle for checks from outside the store's API.
class RawDb {
public:
    explicit RawDb(const fs::path& p) {
        if (sqlite3_open_v2(p.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK)
            ADD_FAILURE() << "cannot open " << p;
        sqlite3_busy_timeout(db_, 10000);
    }
    ~RawDb() { sqlite3_close_v2(db_); }
    // Creates an empty SQLite file at `p`.
    static void create(const fs::path& p) {
        sqlite3* db = nullptr;
        sqlite3_open_v2(p.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
        sqlite3_close_v2(db);
    }
    sqlite3* get() const { return db_; }
    // First column of the first row as text; "ERROR: ..." when the query fails.
    std::string text(const std::string& sql) const {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
            return std::string("ERROR: ") + sqlite3_errmsg(db_);
        std::string out;
        const int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW && sqlite3_column_text(st, 0))
            out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
        else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            out = std::string("ERROR: ") + sqlite3_errmsg(db_);
        sqlite3_finalize(st);
        return out;
    }
    int64_t integer(const std::string& sql) const { return std::stoll("0" + text(sql)); }
    void exec(const std::string& sql) const {
        char* msg = nullptr;
        if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
            ADD_FAILURE() << sql << ": " << (msg ? msg : "?");
            sqlite3_free(msg);
        }
    }

private:
    sqlite3* db_ = nullptr;
};

}  // namespace moe::store::test
