// Where the experiment database lives when no --db is given: $MOE_DB, else
// $XDG_DATA_HOME/moe-workbench/experiments.sqlite, else
// ~/.local/share/moe-workbench/experiments.sqlite (the XDG default every desktop tool uses).
#pragma once

#include <string>

namespace moe::store {

std::string defaultDatabasePath();
// Creates the folder that will hold `path` when missing; throws moe::Error naming it if it
// cannot (a read-only location, a file in the way).
void ensureParentFolder(const std::string& path);

}  // namespace moe::store
