// Formatting of moe::Error messages, kept in one place so every front end reads the same
// "file:line: problem" shape.
#include "core/common/error.h"

#include "core/common/resource_limits.h"

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

// A value a user gave can be huge (a 100,000-digit number, a line without spaces): echoed whole
// it buries the message. Cut after escaping, so the bounds hold for what is printed. Any run of
// kMaxWord bytes without a space keeps its head and tail, and the message as a whole keeps at most
// kMaxMessage bytes.
constexpr size_t kMaxWord = limits::kEchoedWordBytes;
constexpr size_t kMaxMessage = limits::kMessageBytes;

// Moves `at` back to the start of a UTF-8 character, so a cut never splits one.
size_t charStart(const std::string& text, size_t at) {
    while (at > 0 && at < text.size() && (static_cast<unsigned char>(text[at]) & 0xc0) == 0x80)
        --at;
    return at;
}

std::string cutMiddle(const std::string& text, size_t head, size_t tail) {
    const size_t headEnd = charStart(text, head);
    const size_t tailStart = charStart(text, text.size() - tail);
    return text.substr(0, headEnd) + "...(" + std::to_string(tailStart - headEnd) +
           " bytes cut)..." + text.substr(tailStart);
}

std::string cutLongValues(const std::string& text) {
    std::string out;
    size_t i = 0;
    while (i < text.size()) {
        size_t end = text.find_first_of(" \n\t", i);
        if (end == std::string::npos) end = text.size();
        const std::string word = text.substr(i, end - i);
        out += word.size() > kMaxWord ? cutMiddle(word, 200, 60) : word;
        if (end < text.size()) out += text[end];
        i = end + 1;
    }
    return out.size() > kMaxMessage ? cutMiddle(out, kMaxMessage - 1024, 512) : out;
}

}  // namespace

Error::Error(const std::string& message, SourceLocation origin)
    : std::runtime_error(cutLongValues(escapeControlBytes(message))), origin_(origin) {}

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
