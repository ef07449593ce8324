// See recording_cache.h. The key names every file a read takes in: each path given and, for a
// folder of per-rank files, each regular file in it, with its size and modification time, so
// a file written since (or a rank's file added) is read anew.
#include "core/imports/recording_cache.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <mutex>

#include "core/imports/import_routing.h"

namespace moe {
namespace {

void appendFile(const std::string& path, std::string& key) {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) {
        key += path + "|missing\n";  // importRouting says what is wrong with it
        return;
    }
    // The inode too: a file replaced by another (a rename over it) within the same clock tick.
    key += path + "|" + std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) + "|" +
           std::to_string(st.st_size) + "|" + std::to_string(st.st_mtim.tv_sec) + "." +
           std::to_string(st.st_mtim.tv_nsec) + "\n";
}

std::string keyOf(const std::vector<std::string>& paths, int topK) {
    namespace fs = std::filesystem;
    std::string key = "k=" + std::to_string(topK) + "\n";
    for (const std::string& given : paths) {
        std::error_code ec;
        const std::string path = fs::absolute(given, ec).lexically_normal().string();
        appendFile(path, key);
        if (!fs::is_directory(path, ec)) continue;
        std::vector<std::string> inside;
        for (const auto& entry : fs::directory_iterator(path, ec))
            if (entry.is_regular_file(ec)) inside.push_back(entry.path().string());
        std::sort(inside.begin(), inside.end());
        for (const std::string& file : inside) appendFile(file, key);
    }
    return key;
}

struct Cache {
    std::mutex mutex;
    std::map<std::string, std::weak_ptr<const ImportedRouting>> held;
};

Cache& cache() {
    static Cache c;
    return c;
}

}  // namespace

std::shared_ptr<const ImportedRouting> importRoutingShared(const std::vector<std::string>& paths,
                                                           int topK) {
    const std::string key = keyOf(paths, topK);
    Cache& c = cache();
    {
        std::lock_guard lock(c.mutex);
        std::erase_if(c.held, [](const auto& entry) { return entry.second.expired(); });
        const auto found = c.held.find(key);
        if (found != c.held.end())
            if (auto routing = found->second.lock()) return routing;
    }
    // Read outside the lock: another recording may be read meanwhile. Two reads of the same
    // files at once both read, and the later one is kept.
    auto routing = std::make_shared<const ImportedRouting>(importRouting(paths, topK));
    std::lock_guard lock(c.mutex);
    c.held[key] = routing;
    return routing;
}

}  // namespace moe
