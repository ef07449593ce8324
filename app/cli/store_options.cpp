// See store_options.h.
#include "app/cli/store_options.h"

#include "core/store/store_paths.h"

namespace moe::cli {

void addDbOption(CLI::App& cmd, std::string& db) {
    cmd.add_option("--db", db,
                   "Experiment database file (default: $MOE_DB, else "
                   "$XDG_DATA_HOME/moe-workbench/experiments.sqlite, else "
                   "~/.local/share/moe-workbench/experiments.sqlite; now " +
                       store::defaultDatabasePath() + ")");
}

std::string databasePath(const std::string& flag) {
    return flag.empty() ? store::defaultDatabasePath() : flag;
}

std::string runLabel(const store::RunRecord& run) {
    return std::to_string(run.id) + (run.name.empty() ? "" : " (" + run.name + ")");
}

std::string shortTime(const std::string& iso) {
    std::string s = iso;
    if (s.size() == 20 && s[10] == 'T' && s.back() == 'Z') {
        s[10] = ' ';
        s.pop_back();
    }
    return s;
}

}  // namespace moe::cli
