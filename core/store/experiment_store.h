// Browsing and curating the experiments in a store file: list with filters, look one up by id
// or name, delete, tag, annotate. Opening a store also settles runs left "running" by a
// process that no longer exists: they become "interrupted". Safe while a recorder writes.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/store/sqlite_connection.h"
#include "core/store/store_records.h"

namespace moe::store {

// How long a writer on another host may go without a heartbeat before its run counts as
// interrupted (the recorder beats about once a second).
inline constexpr int kStaleHeartbeatSeconds = 600;

class ExperimentStore {
public:
    // Opens an existing store (never creates one: a mistyped --db must not leave an empty
    // file behind). Upgrades an older schema. Falls back to read-only access where the file
    // cannot be written; dead runs are then shown as interrupted without being rewritten.
    // Throws moe::Error naming the file: missing, not a database, damaged, newer schema.
    explicit ExperimentStore(const std::string& path);
    ~ExperimentStore();

    const std::string& path() const { return db_->path(); }
    SqliteConnection& connection() { return *db_; }
    bool readOnly() const { return db_->readOnly(); }

    std::vector<RunRecord> listRuns(const RunFilter& filter = {});
    // Throws moe::Error naming the file and the id when there is no such run.
    RunRecord run(int64_t id);
    // A run by id, by exact name (when only one run has it), or "last" (the newest run).
    int64_t resolveRun(const std::string& idOrName);

    // Removes the run and all it recorded, in one transaction.
    void deleteRun(int64_t id);
    void addTags(int64_t id, const std::vector<std::string>& tags);
    void removeTags(int64_t id, const std::vector<std::string>& tags);
    void setNotes(int64_t id, const std::string& notes);

    // Whether the run's writer process is still alive (false for settled runs).
    bool writerAlive(const RunRecord& run) const;

private:
    void settleDeadRuns();
    std::vector<RunRecord> query(const std::string& where, const std::vector<std::string>& args);
    void requireWritable(const char* what) const;

    std::unique_ptr<SqliteConnection> db_;
    std::set<int64_t> deadRuns_;  // "running" runs found dead while the file is read-only
};

}  // namespace moe::store
