// The --db option every command that touches the experiment store shares, registered once so
// its name, help text and default (from $MOE_DB or the XDG data folder) never drift apart.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "core/store/store_records.h"

namespace moe::cli {

void addDbOption(CLI::App& cmd, std::string& db);
// The flag's value, or the default database path when it was not given.
std::string databasePath(const std::string& flag);

// "12 (name)" for messages; ISO time shortened for tables ("2025-01-31 12:00:05").
std::string runLabel(const store::RunRecord& run);
std::string shortTime(const std::string& iso);

}  // namespace moe::cli
