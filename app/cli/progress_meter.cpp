// See progress_meter.h.
#include "app/cli/progress_meter.h"

#include <unistd.h>

#include <cstdio>

#include "app/cli/text_table.h"

namespace moe::cli {

bool stderrIsTerminal() { return isatty(STDERR_FILENO) == 1; }

ProgressMeter::ProgressMeter(bool enabled)
    : enabled_(enabled), start_(std::chrono::steady_clock::now()), last_(start_) {}

void ProgressMeter::update(long long done, long long total, const std::string& unit,
                           const std::string& extra) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (drawn_ && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    drawn_ = true;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    std::string line = grouped(done);
    if (total > 0)
        line += "/" + grouped(total) + " " + unit + " (" + fixed(100.0 * done / total, 0) + "%)";
    else
        line += " " + unit;
    if (elapsed > 0) line += ", " + fixed(done / elapsed, 1) + " " + unit + "/s";
    if (!extra.empty()) line += ", " + extra;
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    std::fflush(stderr);
}

void ProgressMeter::finish() {
    if (enabled_ && drawn_) {
        std::fprintf(stderr, "\r\033[K");
        std::fflush(stderr);
    }
}

}  // namespace moe::cli
