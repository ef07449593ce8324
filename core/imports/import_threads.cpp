// See import_threads.h.
#include "core/imports/import_threads.h"

#include <algorithm>
#include <cstdlib>
#include <thread>
#include <vector>

namespace moe::imports {

int threadsFor(size_t bytes) {
    if (const char* env = std::getenv("MOE_IMPORT_THREADS")) {
        const int n = std::atoi(env);
        if (n >= 1 && n <= 256) return n;
    }
    constexpr size_t kPieceBytes = size_t{8} << 20;
    const size_t cores = std::max(1u, std::thread::hardware_concurrency());
    return static_cast<int>(
        std::clamp<size_t>(bytes / kPieceBytes, 1, std::min<size_t>(cores, 16)));
}

void onEachPiece(int n, const std::function<void(int)>& work) {
    std::vector<std::thread> threads;
    for (int i = 1; i < n; ++i) threads.emplace_back(work, i);
    work(0);
    for (std::thread& t : threads) t.join();
}

}  // namespace moe::imports
