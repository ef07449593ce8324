// JSON lines read fast: Megatron-Core's router trace and saved server responses run to
// hundreds of megabytes, where nlohmann::json parsed at 30-40 MB/s. simdjson (Debian's
// libsimdjson-dev, a well-kept SIMD parser) reads each line on demand, without building a
// tree, from one padded copy of the file. Errors name the file and the line.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <functional>
#include <string>

namespace moe {

struct JsonLine {
    const std::string& file;
    int64_t number = 0;  // 1-based
    // "file:line: problem" as a moe::Error.
    [[noreturn]] void fail(const std::string& problem) const;
};

// Calls `each` with every non-blank line's top-level object. simdjson's own errors (bad
// syntax, a wrong type asked for) come back as moe::Error naming the file and line; a line that
// is not an object is one too.
void forEachJsonLine(const std::string& path,
                     const std::function<void(simdjson::ondemand::object&, const JsonLine&)>& each);

// The same over pieces of the file on several threads (one per core, none for a file under
// 8 MB; the environment's MOE_IMPORT_THREADS=N sets the count): the file is cut at line ends and
// `prepare` told how many pieces there are; `each` gets the piece's number (0..pieces-1) and runs
// on that piece's thread with its own parser, so a caller keeps one state per piece. After every
// piece has run, `merge` is called on this thread for each piece in file order; a piece that failed
// has its error thrown right after its merge (what it read before the failure merged first), so the
// error reported is the first one in the file, as a single thread would have met it. Returns the
// number of pieces.
int forEachJsonLineInPieces(
    const std::string& path, const std::function<void(int)>& prepare,
    const std::function<void(int, simdjson::ondemand::object&, const JsonLine&)>& each,
    const std::function<void(int)>& merge);

// The whole-number value (a moe::Error naming the line and `what` when it is not one).
int64_t jsonInteger(simdjson::ondemand::value v, const JsonLine& line, const char* what);

}  // namespace moe
