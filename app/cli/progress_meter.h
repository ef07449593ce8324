// Progress on a terminal: one line rewritten in place at most ten times a second, on stderr
// so stdout stays clean for tables and CSV. Silent when stderr is not a terminal.
#pragma once

#include <chrono>
#include <string>

namespace moe::cli {

class ProgressMeter {
public:
    explicit ProgressMeter(bool enabled);
    // `total` <= 0 when unknown. `extra` is appended (e.g. "skew 2.41").
    void update(long long done, long long total, const std::string& unit,
                const std::string& extra = "");
    void finish();

private:
    bool enabled_;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point start_, last_;
};

bool stderrIsTerminal();

}  // namespace moe::cli
