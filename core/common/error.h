// The one exception type of the core. Bad input (a broken trace line, a bad flag value) and
// runtime faults travel as moe::Error up to whoever can show them: the CLI prints the message
// and exits non-zero, the GUI shows a message box. Nothing in core calls exit() or abort().
#pragma once

#include <cstdint>
#include <source_location>
#include <stdexcept>
#include <string>

namespace moe {

class Error : public std::runtime_error {
public:
    // `message` is what the user reads. `origin` records where in our code it was raised,
    // for bug reports; it is not part of what().
    explicit Error(const std::string& message,
                   std::source_location origin = std::source_location::current());

    // An error about a place in a user's file: "PATH:LINE: problem" (LINE 0 = whole file).
    static Error inFile(const std::string& path, int64_t line, const std::string& problem,
                        std::source_location origin = std::source_location::current());

    const std::string& file() const { return file_; }
    int64_t line() const { return line_; }
    const std::source_location& origin() const { return origin_; }

private:
    std::string file_;
    int64_t line_ = 0;
    std::source_location origin_;
};

}  // namespace moe
