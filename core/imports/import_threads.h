// How many threads a reader of a large recording uses, and running its pieces on them. One
// per core, each with at least 8 MB to read (a small file stays on the calling thread); the
// environment's MOE_IMPORT_THREADS=N sets the count (1: one thread; tests cut small files).
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <vector>

namespace moe::imports {

int threadsFor(size_t bytes);

// work(0) .. work(n - 1), piece 0 on the calling thread and the others on threads of their
// own (on the calling thread too where no thread can be started); returns when all are done.
// What a piece throws (std::bad_alloc included) is rethrown here once every piece has ended,
// the lowest piece's first: it never escapes a thread.
void onEachPiece(int n, const std::function<void(int)>& work);

// The same, handing back what each piece threw (empty where it ended well) instead of
// throwing: for a caller that must merge the pieces before a failure is reported.
std::vector<std::exception_ptr> runPieces(int n, const std::function<void(int)>& work);

}  // namespace moe::imports
