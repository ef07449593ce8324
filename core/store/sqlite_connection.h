// One SQLite connection (the plain sqlite3 C API), owned RAII-style. Every failure becomes a
// moe::Error that names the database file and says what went wrong in words a user can act
// on ("not an SQLite database", "disk is full"), never a bare result code.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>

namespace moe::store {

class SqliteConnection {
public:
    // Immutable: read-only media (a read-only mount), where SQLite cannot create the WAL's
    // shared-memory file; SQLite is told nobody can change the file, so it needs no locks.
    enum class Mode { ReadOnly, ReadWrite, Create, Immutable };

    // Opens `path`; throws moe::Error naming the file when it cannot. Sets a busy timeout so
    // a reader and the recorder can share the file without "database is locked".
    SqliteConnection(const std::string& path, Mode mode, int busyTimeoutMs = 10000);
    ~SqliteConnection();
    SqliteConnection(const SqliteConnection&) = delete;
    SqliteConnection& operator=(const SqliteConnection&) = delete;

    sqlite3* handle() const { return db_; }
    const std::string& path() const { return path_; }
    bool readOnly() const { return readOnly_; }

    // Runs one or more statements without results; throws on failure.
    void exec(const std::string& sql);
    // The single integer a query such as "PRAGMA user_version" returns.
    int64_t queryInt(const std::string& sql);
    int64_t lastInsertId() const { return sqlite3_last_insert_rowid(db_); }
    int changes() const { return sqlite3_changes(db_); }

    // Throws the moe::Error for result code `rc` after doing `what` ("insert loads").
    [[noreturn]] void fail(int rc, const std::string& what) const;

private:
    std::string path_;
    sqlite3* db_ = nullptr;
    bool readOnly_ = false;
};

// Human words for an SQLite failure, with a hint where one helps (full disk, not a database).
std::string describeSqliteError(int rc, const char* detail);

// BEGIN IMMEDIATE ... COMMIT, rolled back when destroyed without commit(). IMMEDIATE takes the
// write lock up front, so the busy timeout applies; a deferred transaction that upgrades to a
// writer could fail with SQLITE_BUSY at once, which is the "database is locked" users see.
class WriteTransaction {
public:
    explicit WriteTransaction(SqliteConnection& db);
    ~WriteTransaction();
    WriteTransaction(const WriteTransaction&) = delete;
    WriteTransaction& operator=(const WriteTransaction&) = delete;
    void commit();

private:
    SqliteConnection& db_;
    bool open_ = true;
};

// A consistent snapshot for several statements read together (BEGIN ... COMMIT).
class ReadTransaction {
public:
    explicit ReadTransaction(SqliteConnection& db);
    ~ReadTransaction();
    ReadTransaction(const ReadTransaction&) = delete;
    ReadTransaction& operator=(const ReadTransaction&) = delete;

private:
    SqliteConnection& db_;
};

}  // namespace moe::store
