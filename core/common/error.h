// The one exception type of the core. Bad input (a broken trace line, a bad flag value) and
// runtime faults travel as moe::Error up to whoever can show them: the CLI prints the message
// and exits non-zero, the GUI shows a message box. Nothing in core calls exit() or abort().
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#if __has_include(<source_location>)
#include <source_location>
#endif

namespace moe {

#if defined(__cpp_lib_source_location)
using SourceLocation = std::source_location;
#else
// libstdc++ 12 offers std::source_location only to compilers with __builtin_source_location
// (GCC, clang >= 15); clang 14 (the fuzz build, scripts/fuzz.sh) gets the same facts this way.
class SourceLocation {
public:
    static constexpr SourceLocation current(const char* file = __builtin_FILE(),
                                            const char* function = __builtin_FUNCTION(),
                                            unsigned line = __builtin_LINE()) noexcept {
        SourceLocation here;
        here.file_ = file;
        here.function_ = function;
        here.line_ = line;
        return here;
    }
    constexpr const char* file_name() const noexcept { return file_; }
    constexpr const char* function_name() const noexcept { return function_; }
    constexpr unsigned line() const noexcept { return line_; }
    constexpr unsigned column() const noexcept { return 0; }

private:
    const char* file_ = "";
    const char* function_ = "";
    unsigned line_ = 0;
};
#endif

class Error : public std::runtime_error {
public:
    // `message` is what the user reads. `origin` records where in our code it was raised,
    // for bug reports; it is not part of what().
    explicit Error(const std::string& message, SourceLocation origin = SourceLocation::current());

    // An error about a place in a user's file: "PATH:LINE: problem" (LINE 0 = whole file).
    static Error inFile(const std::string& path, int64_t line, const std::string& problem,
                        SourceLocation origin = SourceLocation::current());

    const std::string& file() const { return file_; }
    int64_t line() const { return line_; }
    const SourceLocation& origin() const { return origin_; }

private:
    std::string file_;
    int64_t line_ = 0;
    SourceLocation origin_;
};

}  // namespace moe
