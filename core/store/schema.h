// The store's schema and its migrations. PRAGMA user_version holds the version; migrations run
// in order, each in its own transaction, so a database made by any older build opens and is
// upgraded in place, and one made by a newer build is refused rather than misread.
#pragma once

#include <string>

#include "core/store/sqlite_connection.h"

namespace moe::store {

// The version this build writes. 1: experiments, steps, loads, rank_stats.
// 2: notes, tags in their own table, predictions, decisions, metrics. 3: whatif_rows.
inline constexpr int kSchemaVersion = 3;

// The DDL of version 1 exactly as first shipped; tests/data/store/make_v1_fixture.sh makes the
// committed fixture from the same text, and a test checks the two agree.
const std::string& schemaV1Ddl();

// Brings the database up to `target` (default: this build's). Throws moe::Error naming the file
// and both versions when the file is newer than this build understands, or when it is older
// but read-only. Safe when two processes open the same old file at once.
void migrate(SqliteConnection& db, int target = kSchemaVersion);

// PRAGMA user_version of the open database (0 for a new, empty file).
int schemaVersion(SqliteConnection& db);

}  // namespace moe::store
