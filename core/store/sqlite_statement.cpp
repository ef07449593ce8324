// See sqlite_statement.h.
#include "core/store/sqlite_statement.h"

#include "core/common/error.h"

namespace moe::store {

SqliteStatement::SqliteStatement(SqliteConnection& db, const std::string& sql) : db_(db) {
    const int rc =
        sqlite3_prepare_v3(db.handle(), sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &st_, nullptr);
    if (rc != SQLITE_OK) db_.fail(rc, "cannot read the database");
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(st_); }

SqliteStatement& SqliteStatement::bind(int i, int64_t v) {
    const int rc = sqlite3_bind_int64(st_, i, v);
    if (rc != SQLITE_OK) db_.fail(rc, "bind");
    return *this;
}

SqliteStatement& SqliteStatement::bind(int i, double v) {
    const int rc = sqlite3_bind_double(st_, i, v);
    if (rc != SQLITE_OK) db_.fail(rc, "bind");
    return *this;
}

SqliteStatement& SqliteStatement::bind(int i, std::string_view text) {
    const int rc =
        sqlite3_bind_text64(st_, i, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    if (rc != SQLITE_OK) db_.fail(rc, "bind");
    return *this;
}

SqliteStatement& SqliteStatement::bindBlob(int i, std::span<const uint8_t> bytes) {
    // A zero-length blob is still a blob (not NULL): SQLite wants a non-null pointer for that.
    static const uint8_t empty = 0;
    const int rc = sqlite3_bind_blob64(st_, i, bytes.empty() ? &empty : bytes.data(), bytes.size(),
                                       SQLITE_STATIC);
    if (rc != SQLITE_OK) db_.fail(rc, "bind");
    return *this;
}

SqliteStatement& SqliteStatement::bindNull(int i) {
    const int rc = sqlite3_bind_null(st_, i);
    if (rc != SQLITE_OK) db_.fail(rc, "bind");
    return *this;
}

bool SqliteStatement::step() {
    const int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    const std::string why = describeSqliteError(rc, sqlite3_errmsg(db_.handle()));
    sqlite3_reset(st_);
    throw Error::inFile(db_.path(), 0, why);
}

void SqliteStatement::run() {
    step();
    reset();
}

void SqliteStatement::reset() {
    sqlite3_reset(st_);
    sqlite3_clear_bindings(st_);
}

std::string SqliteStatement::text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st_, col));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(st_, col))) : std::string();
}

std::span<const uint8_t> SqliteStatement::blob(int col) const {
    const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(st_, col));
    return {p, p ? static_cast<size_t>(sqlite3_column_bytes(st_, col)) : 0};
}

}  // namespace moe::store
