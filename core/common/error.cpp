// Formatting of moe::Error messages, kept in one place so every front end reads the same
// "file:line: problem" shape.
#include "core/common/error.h"

namespace moe {

namespace {

// Messages echo what users gave (a value, a line, a key): control bytes and NULs in them would
// reach the terminal raw, so they are written as \xNN. Line breaks and tabs of the message's
// own layout stay; bytes of UTF-8 text (0x80 and up) stay.
std::string escapeControlBytes(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        const auto b = static_cast<unsigned char>(c);
        if ((b < 0x20 && c != '\n' && c != '\t') || b == 0x7f) {
            static const char* hex = "0123456789abcdef";
            out += "\\x";
            out += hex[b >> 4];
            out += hex[b & 15];
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace

Error::Error(const std::string& message, SourceLocation origin)
    : std::runtime_error(escapeControlBytes(message)), origin_(origin) {}

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
