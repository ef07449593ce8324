// See store_paths.h.
#include "core/store/store_paths.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "core/common/error.h"

namespace moe::store {

std::string defaultDatabasePath() {
    const char* env = std::getenv("MOE_DB");
    if (env && *env) return env;
    std::filesystem::path base;
    const char* xdg = std::getenv("XDG_DATA_HOME");
    if (xdg && *xdg) {
        base = xdg;
    } else {
        const char* home = std::getenv("HOME");
        base = std::filesystem::path(home && *home ? home : ".") / ".local" / "share";
    }
    return (base / "moe-workbench" / "experiments.sqlite").string();
}

void ensureParentFolder(const std::string& path) {
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    if (parent.empty()) return;
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec || !std::filesystem::is_directory(parent))
        throw Error::inFile(path, 0,
                            "cannot create the folder " + parent.string() + ": " +
                                (ec ? ec.message() : "a file is in the way"));
}

}  // namespace moe::store
