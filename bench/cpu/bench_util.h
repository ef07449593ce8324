// Small timing helpers shared by the CPU benchmarks: median of repeated runs, and the
// one-line result format bench/run_cpu.sh collects ("RESULT name value unit goal").
#pragma once

#include <functional>
#include <string>

namespace moe::bench {

// Runs `fn` `warmup` times untimed, then `repeats` times; returns the median seconds. `before`,
// when given, runs untimed before each timed run (to reset what a run changes).
double medianSeconds(const std::function<void()>& fn, int repeats, int warmup = 1,
                     const std::function<void()>& before = {});

// The reference the layer benchmarks measure against: the median seconds of one dense
// row-major float product [rows x inner] x [inner x cols] on all threads (random operands).
double denseProductSeconds(long rows, long inner, long cols, int repeats, int warmup = 1);

// Prints "RESULT <name> <value> <unit> <goal>" for the collecting script, plus a human line.
void report(const std::string& name, double value, const std::string& unit,
            const std::string& goal);

}  // namespace moe::bench
