// See sqlite_connection.h. Errors are phrased for the person who passed the file: the path
// first, then what is wrong with it.
#include "core/store/sqlite_connection.h"

#include <cstdio>
#include <filesystem>

#include "core/common/error.h"

namespace moe::store {

std::string describeSqliteError(int rc, const char* detail) {
    const std::string d = detail ? detail : sqlite3_errstr(rc);
    switch (rc & 0xff) {
        case SQLITE_NOTADB:
            return "not an SQLite database";
        case SQLITE_CORRUPT:
            return "the database is damaged (" + d +
                   "); rescue what is left with `sqlite3 FILE .recover` and use a new file";
        case SQLITE_FULL:
            return "the disk is full (or the database reached its size limit); free some space "
                   "or choose another file with --db";
        case SQLITE_READONLY:
            return "the database is read-only here (" + d + ")";
        case SQLITE_CANTOPEN:
            return "cannot open the file (" + d + "); check that its folder exists and is writable";
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return "the database stayed locked by another process (" + d + ")";
        case SQLITE_IOERR:
            return "input/output error (" + d + ")";
        default:
            return d;
    }
}

namespace {

// "file:" URI of a path, with the characters URIs reserve percent-encoded.
std::string fileUri(const std::string& path) {
    std::string uri = "file:";
    for (unsigned char c : path) {
        if (c == '%' || c == '?' || c == '#' || c < 0x20) {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X", c);
            uri += buf;
        } else {
            uri += static_cast<char>(c);
        }
    }
    return uri;
}

}  // namespace

SqliteConnection::SqliteConnection(const std::string& path, Mode mode, int busyTimeoutMs)
    : path_(path) {
    // SQLite says only "unable to open database file" for a directory, which reads like a
    // permissions problem; name the actual one.
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        throw Error::inFile(path, 0, "is a directory, not a database file");
    int flags = SQLITE_OPEN_NOMUTEX;  // one connection per thread, never shared
    std::string name = path;
    if (mode == Mode::ReadOnly) flags |= SQLITE_OPEN_READONLY;
    if (mode == Mode::ReadWrite) flags |= SQLITE_OPEN_READWRITE;
    if (mode == Mode::Create) flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (mode == Mode::Immutable) {
        flags |= SQLITE_OPEN_READONLY | SQLITE_OPEN_URI;
        name = fileUri(path) + "?immutable=1";
    }
    const int rc = sqlite3_open_v2(name.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
        const std::string why = describeSqliteError(rc, db_ ? sqlite3_errmsg(db_) : nullptr);
        sqlite3_close_v2(db_);
        db_ = nullptr;
        throw Error::inFile(path, 0, why);
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, busyTimeoutMs);
    // READWRITE quietly opens read-only where the OS forbids writing; remember which we got.
    readOnly_ = sqlite3_db_readonly(db_, "main") == 1;
}

SqliteConnection::~SqliteConnection() {
    if (db_) sqlite3_close_v2(db_);
}

void SqliteConnection::fail(int rc, const std::string& what) const {
    throw Error::inFile(path_, 0, what + ": " + describeSqliteError(rc, sqlite3_errmsg(db_)));
}

void SqliteConnection::exec(const std::string& sql) {
    char* message = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
        const std::string why = describeSqliteError(rc, message);
        sqlite3_free(message);
        throw Error::inFile(path_, 0, why);
    }
}

int64_t SqliteConnection::queryInt(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr);
    if (rc != SQLITE_OK) fail(rc, "cannot read the database");
    rc = sqlite3_step(st);
    const int64_t v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) fail(rc, "cannot read the database");
    return v;
}

WriteTransaction::WriteTransaction(SqliteConnection& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

WriteTransaction::~WriteTransaction() {
    if (open_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void WriteTransaction::commit() {
    db_.exec("COMMIT");
    open_ = false;
}

ReadTransaction::ReadTransaction(SqliteConnection& db) : db_(db) { db_.exec("BEGIN"); }

ReadTransaction::~ReadTransaction() {
    sqlite3_exec(db_.handle(), "COMMIT", nullptr, nullptr, nullptr);
}

}  // namespace moe::store
