// Formatting of moe::Error messages, kept in one place so every front end reads the same
// "file:line: problem" shape.
#include "core/common/error.h"

namespace moe {

Error::Error(const std::string& message, SourceLocation origin)
    : std::runtime_error(message), origin_(origin) {}

Error Error::inFile(const std::string& path, int64_t line, const std::string& problem,
                    SourceLocation origin) {
    std::string text = path;
    if (line > 0) text += ":" + std::to_string(line);
    text += ": " + problem;
    Error e(text, origin);
    e.file_ = path;
    e.line_ = line;
    return e;
}

}  // namespace moe
