// A what-if matrix as a run of the experiment store: the run row (name, tags, workload, the
// configuration that made it, shape) and one whatif_rows row per combination with its per-step
// curve, so `runs list` finds it, `runs show` prints it, the GUI reopens it and the strategy
// map reads measured gaps from it.
#pragma once

#include <cstdint>
#include <string>

#include "core/store/sqlite_connection.h"
#include "core/store/store_records.h"
#include "core/whatif/whatif_matrix.h"

namespace moe {

// Records `result` (made from `spec`) in the store at `databasePath` (spec.base.recording's
// name, tags and notes), finished or, when `interrupted`, interrupted. Returns the run id.
// Throws moe::Error naming the file when the store cannot be written.
int64_t saveWhatIf(const std::string& databasePath, const WhatIfSpec& spec,
                   const WhatIfResult& result, bool interrupted = false);

// Whether run `runId` holds a what-if matrix.
bool hasWhatIf(store::SqliteConnection& db, int64_t runId);

// The matrix of a stored run. Throws moe::Error naming the file when a row is damaged.
WhatIfResult loadWhatIf(store::SqliteConnection& db, const store::RunRecord& run);

}  // namespace moe
