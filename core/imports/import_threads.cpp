// See import_threads.h.
#include "core/imports/import_threads.h"

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <system_error>
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

std::vector<std::exception_ptr> runPieces(int n, const std::function<void(int)>& work) {
    std::vector<std::exception_ptr> errors(static_cast<size_t>(std::max(n, 1)));
    const auto run = [&](int i) {
        try {
            work(i);
        } catch (...) {
            errors[static_cast<size_t>(i)] = std::current_exception();
        }
    };
    std::vector<std::thread> threads;
    int started = 1;
    try {
        for (; started < n; ++started) threads.emplace_back(run, started);
    } catch (const std::system_error&) {
        // No more threads to be had: the pieces not started run here.
    }
    for (int i = started; i < n; ++i) run(i);
    run(0);
    for (std::thread& t : threads) t.join();
    return errors;
}

void onEachPiece(int n, const std::function<void(int)>& work) {
    for (const std::exception_ptr& e : runPieces(n, work))
        if (e) std::rethrow_exception(e);
}

}  // namespace moe::imports
