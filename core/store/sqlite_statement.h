// One prepared statement, RAII. The recorder keeps its statements prepared for the whole run
// (prepare once, bind/step/reset per row), which is most of what makes batched inserts fast.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/store/sqlite_connection.h"

namespace moe::store {

class SqliteStatement {
public:
    SqliteStatement(SqliteConnection& db, const std::string& sql);
    ~SqliteStatement();
    SqliteStatement(const SqliteStatement&) = delete;
    SqliteStatement& operator=(const SqliteStatement&) = delete;

    // Parameters are 1-based, as in SQLite. Text and blobs are copied only when `copy`; the
    // default (no copy) requires the data to live until step() returns.
    SqliteStatement& bind(int i, int64_t v);
    SqliteStatement& bind(int i, int v) { return bind(i, static_cast<int64_t>(v)); }
    SqliteStatement& bind(int i, double v);
    SqliteStatement& bind(int i, std::string_view text);
    SqliteStatement& bindBlob(int i, std::span<const uint8_t> bytes);
    SqliteStatement& bindNull(int i);
    SqliteStatement& bind(int i, const std::optional<int64_t>& v) {
        return v ? bind(i, *v) : bindNull(i);
    }

    // Advances; true while a row is available. Throws moe::Error naming the file on failure.
    bool step();
    // Runs a statement that returns no rows, then resets it for the next use.
    void run();
    void reset();

    int64_t integer(int col) const { return sqlite3_column_int64(st_, col); }
    double real(int col) const { return sqlite3_column_double(st_, col); }
    std::string text(int col) const;
    std::span<const uint8_t> blob(int col) const;
    bool isNull(int col) const { return sqlite3_column_type(st_, col) == SQLITE_NULL; }
    bool isInteger(int col) const { return sqlite3_column_type(st_, col) == SQLITE_INTEGER; }

private:
    SqliteConnection& db_;
    sqlite3_stmt* st_ = nullptr;
};

}  // namespace moe::store
