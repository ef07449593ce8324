// See schema.h. Layout, and why it stays fast at a million steps of 24 x 32 loads:
//
// * loads and rank_stats hold one row per (run, layer, step) with the E (or G) numbers in one
//   compact blob (blob_codec.h), not one row per expert: 24M rows for a million steps instead
//   of 768M, each ~40 bytes of payload.
// * Both are WITHOUT ROWID tables clustered on the primary key (run_id, layer, step): the rows
//   of one layer of one run are adjacent in the B-tree, in step order, so reading one layer's
//   whole history is a single range scan over contiguous pages (no index lookups, no sort),
//   and deleting a run is a range delete. The recorder appends at the end of each layer's
//   range, which keeps page splits cheap.
// * Per-run headline numbers (steps, tokens) live in `experiments` and are updated with every
//   batch, so `runs list` never scans the big tables.
#include "core/store/schema.h"

#include <functional>
#include <vector>

#include "core/common/error.h"
#include "core/store/sqlite_statement.h"

namespace moe::store {
namespace {

const char* kV2Tables = R"sql(
ALTER TABLE experiments ADD COLUMN notes TEXT NOT NULL DEFAULT '';
CREATE TABLE run_tags (
    run_id INTEGER NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (run_id, tag)
) WITHOUT ROWID;
CREATE INDEX run_tags_by_tag ON run_tags (tag, run_id);
-- One predictor's errors for one (horizon, layer, predicted step); shares: E float32 LE or NULL.
CREATE TABLE predictions (
    run_id INTEGER NOT NULL,
    predictor TEXT NOT NULL,
    horizon INTEGER NOT NULL,
    layer INTEGER NOT NULL,
    step INTEGER NOT NULL,
    relative_error REAL NOT NULL,
    absolute_error REAL NOT NULL,
    gps_error REAL NOT NULL,
    max_expert_error REAL NOT NULL,
    shares BLOB,
    PRIMARY KEY (run_id, predictor, horizon, layer, step)
) WITHOUT ROWID;
-- A placement chosen for (step, layer) by a policy. replicas: E varints (copies of each
-- expert); slot_ranks: one varint per slot, expert-major (expert 0's replicas first).
CREATE TABLE decisions (
    run_id INTEGER NOT NULL,
    policy TEXT NOT NULL,
    layer INTEGER NOT NULL,
    step INTEGER NOT NULL,
    replicas BLOB NOT NULL,
    slot_ranks BLOB NOT NULL,
    balancedness_before REAL NOT NULL,
    balancedness_after REAL NOT NULL,
    moved_experts INTEGER NOT NULL,
    moved_bytes INTEGER NOT NULL,
    PRIMARY KEY (run_id, policy, layer, step)
) WITHOUT ROWID;
-- Free-form figures; step -1 = the whole run (a NULL would not be unique in the key).
CREATE TABLE metrics (
    run_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    step INTEGER NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (run_id, key, step)
) WITHOUT ROWID;
)sql";

// v3: a what-if run's matrix, one row per combination (bounds included) in the order the
// matrix made them, with the per-step curve of slowest/ideal as float32s.
const char* kV3Tables = R"sql(
CREATE TABLE whatif_rows (
    run_id INTEGER NOT NULL,
    row INTEGER NOT NULL,
    predictor TEXT NOT NULL,
    policy TEXT NOT NULL,
    every INTEGER NOT NULL,
    threshold REAL NOT NULL,
    migration_aware INTEGER NOT NULL,
    spare_slots_only INTEGER NOT NULL,
    preset TEXT NOT NULL,
    steps INTEGER NOT NULL,
    slowest_over_ideal REAL NOT NULL,
    gap_closed REAL NOT NULL,
    moved_experts REAL NOT NULL,
    moved_bytes REAL NOT NULL,
    rebalances INTEGER NOT NULL,
    compute_seconds REAL NOT NULL,
    exposed_copy_seconds REAL NOT NULL,
    forecast_seconds REAL NOT NULL,
    forecasts INTEGER NOT NULL,
    per_step BLOB NOT NULL,
    PRIMARY KEY (run_id, row)
) WITHOUT ROWID;
)sql";

// v1 kept tags as one comma-separated column; v2 gives them a table so `runs list --tag` is an
// index lookup rather than a LIKE over every row. The old column's tags move over.
void migrateToV2(SqliteConnection& db) {
    db.exec(kV2Tables);
    struct Row {
        int64_t id;
        std::string tags;
    };
    std::vector<Row> rows;
    {
        SqliteStatement q(db, "SELECT id, tags FROM experiments WHERE tags <> ''");
        while (q.step()) rows.push_back({q.integer(0), q.text(1)});
    }
    SqliteStatement ins(db, "INSERT OR IGNORE INTO run_tags (run_id, tag) VALUES (?, ?)");
    for (const Row& r : rows) {
        size_t start = 0;
        while (start <= r.tags.size()) {
            size_t end = r.tags.find(',', start);
            if (end == std::string::npos) end = r.tags.size();
            std::string tag = r.tags.substr(start, end - start);
            tag.erase(0, tag.find_first_not_of(' '));
            tag.erase(tag.find_last_not_of(' ') + 1);
            if (!tag.empty()) ins.bind(1, r.id).bind(2, tag).run();
            start = end + 1;
        }
    }
    db.exec("ALTER TABLE experiments DROP COLUMN tags");
}

const std::vector<std::function<void(SqliteConnection&)>>& migrations() {
    static const std::vector<std::function<void(SqliteConnection&)>> list = {
        [](SqliteConnection& db) { db.exec(schemaV1Ddl()); },
        migrateToV2,
        [](SqliteConnection& db) { db.exec(kV3Tables); },
    };
    return list;
}

// A version-0 file that already has tables belongs to someone else: never write into it.
void refuseForeignDatabase(SqliteConnection& db) {
    SqliteStatement q(db,
                      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                      "'sqlite_%' ORDER BY name LIMIT 5");
    std::string names;
    while (q.step()) names += (names.empty() ? "" : ", ") + q.text(0);
    if (!names.empty())
        throw Error::inFile(db.path(), 0,
                            "an SQLite database, but not a MoE Workbench experiment store (it "
                            "has tables " +
                                names + "); pass another file with --db");
}

}  // namespace

const std::string& schemaV1Ddl() {
    static const std::string ddl = R"sql(
-- One row per run. Times are ISO-8601 UTC. writer_* identify the recording process so a run
-- whose process died (SIGKILL, power loss) is shown as interrupted; heartbeat is refreshed
-- with every committed batch for writers on other hosts.
CREATE TABLE experiments (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'interrupted')),
    created TEXT NOT NULL,
    finished TEXT,
    error TEXT,
    workload TEXT NOT NULL,
    config TEXT NOT NULL,
    code_version TEXT NOT NULL,
    machine TEXT NOT NULL,
    backend TEXT NOT NULL,
    layers INTEGER NOT NULL,
    experts INTEGER NOT NULL,
    ranks INTEGER NOT NULL,
    writer_pid INTEGER NOT NULL,
    writer_host TEXT NOT NULL,
    writer_start TEXT NOT NULL,
    heartbeat TEXT NOT NULL,
    steps INTEGER NOT NULL DEFAULT 0,
    tokens INTEGER NOT NULL DEFAULT 0,
    frames_dropped INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX experiments_by_status ON experiments (status);
CREATE TABLE steps (
    run_id INTEGER NOT NULL,
    step INTEGER NOT NULL,
    tokens INTEGER NOT NULL,
    wall_seconds REAL NOT NULL,
    PRIMARY KEY (run_id, step)
) WITHOUT ROWID;
-- counts: E varints, pairs routed to each expert; dropped: pairs over capacity.
CREATE TABLE loads (
    run_id INTEGER NOT NULL,
    layer INTEGER NOT NULL,
    step INTEGER NOT NULL,
    counts BLOB NOT NULL,
    dropped INTEGER NOT NULL,
    PRIMARY KEY (run_id, layer, step)
) WITHOUT ROWID;
-- rows: G varints, rows each rank computed; busy: G float64 LE, expert FFN seconds per rank.
CREATE TABLE rank_stats (
    run_id INTEGER NOT NULL,
    layer INTEGER NOT NULL,
    step INTEGER NOT NULL,
    rows BLOB NOT NULL,
    busy BLOB NOT NULL,
    PRIMARY KEY (run_id, layer, step)
) WITHOUT ROWID;
)sql";
    return ddl;
}

int schemaVersion(SqliteConnection& db) {
    return static_cast<int>(db.queryInt("PRAGMA user_version"));
}

void migrate(SqliteConnection& db, int target) {
    int version = schemaVersion(db);  // also where a non-database file is first noticed
    if (version > kSchemaVersion)
        throw Error::inFile(db.path(), 0,
                            "the database has schema version " + std::to_string(version) +
                                ", newer than this build understands (version " +
                                std::to_string(kSchemaVersion) +
                                "); open it with a newer moe-workbench");
    // user_version is any 32-bit number in the file's header; a damaged header must not index
    // the migrations with it.
    if (version < 0)
        throw Error::inFile(db.path(), 0,
                            "the database has schema version " + std::to_string(version) +
                                ", which no moe-workbench writes (a damaged header?)");
    if (version >= target) return;
    if (db.readOnly())
        throw Error::inFile(db.path(), 0,
                            "the database has schema version " + std::to_string(version) +
                                " and needs upgrading to version " + std::to_string(target) +
                                ", but it is read-only here");
    while (version < target) {
        WriteTransaction tx(db);
        version = schemaVersion(db);  // another process may have migrated meanwhile
        if (version >= target) break;
        if (version == 0) refuseForeignDatabase(db);
        migrations()[static_cast<size_t>(version)](db);
        db.exec("PRAGMA user_version = " + std::to_string(version + 1));
        tx.commit();
        ++version;
    }
}

}  // namespace moe::store
