// Validators for the CLI's numeric and output-file options. CLI11's stock NonNegativeNumber,
// PositiveNumber and Range word a rejected value as "Value -5 not in range 0.000000 to 1797693...":
// the bound is DBL_MAX through std::to_string, some 300 digits that tell nobody anything. These
// say what is wrong with the value and what to give instead, in one line (CLI11 puts the option
// name in front: "--steps: -5 is negative; give 0 (the whole workload) or more").
#pragma once

#include <CLI/CLI.hpp>
#include <limits>
#include <sstream>
#include <string>
#include <type_traits>

#include "core/common/error.h"
#include "core/common/output_file.h"

namespace moe::cli {

namespace checks_detail {

// A bound as a person writes it: 0.001, 3600, 1e-06 (not 0.001000 or 3600.000000).
template <typename T>
std::string show(T v) {
    std::ostringstream s;
    s << v;
    return s.str();
}

template <typename T>
const char* kindOf() {
    return std::is_integral_v<T> ? "a whole number" : "a number";
}

// Parses `input` as a T; on failure returns false and sets `why`.
template <typename T>
bool parse(const std::string& input, T& value, std::string& why) {
    if (CLI::detail::lexical_cast(input, value)) return true;
    // Digits that do not fit are a number all the same: say so, not "not a number".
    const size_t digitsFrom = !input.empty() && (input[0] == '-' || input[0] == '+') ? 1 : 0;
    const bool digits = input.size() > digitsFrom &&
                        input.find_first_not_of("0123456789", digitsFrom) == std::string::npos;
    if (digits)
        why = input[0] == '-' ? "'" + input + "' is too small (at least " +
                                    show(std::numeric_limits<T>::lowest()) + ")"
                              : "'" + input + "' is too large (at most " +
                                    show(std::numeric_limits<T>::max()) + ")";
    else
        why = "'" + input + "' is not " + kindOf<T>();
    return false;
}

}  // namespace checks_detail

// Any value of T, but a value all the same: CLI11 takes an empty one ('') as "not given" and
// keeps the default, so `--layer ''` showed layer 0. The range is the caller's to check.
template <typename T>
CLI::Validator wholeNumber() {
    return CLI::Validator(
        [](std::string& input) {
            T v{};
            std::string why;
            return checks_detail::parse(input, v, why) ? std::string() : why;
        },
        "", "WHOLE_NUMBER");
}

// Value >= 0. `zeroMeans` says what 0 stands for ("the whole workload"), for the message.
template <typename T>
CLI::Validator nonNegative(const std::string& zeroMeans = "") {
    return CLI::Validator(
        [zeroMeans](std::string& input) {
            T v{};
            std::string why;
            if (!checks_detail::parse(input, v, why)) return why;
            if (v >= T{0}) return std::string();
            return input + " is negative; give 0" +
                   (zeroMeans.empty() ? "" : " (" + zeroMeans + ")") + " or more";
        },
        "NONNEGATIVE", "NONNEGATIVE");
}

// Value > 0 (>= 1 for whole numbers).
template <typename T>
CLI::Validator positive() {
    return CLI::Validator(
        [](std::string& input) {
            T v{};
            std::string why;
            if (!checks_detail::parse(input, v, why)) return why;
            if (v > T{0}) return std::string();
            return input + (std::is_integral_v<T> ? " is too small; give 1 or more"
                                                  : " is too small; give a number above 0");
        },
        "POSITIVE", "POSITIVE");
}

// Value >= lo, where values under 0 mean something ("-1 = no limit"), said in the message.
template <typename T>
CLI::Validator atLeast(T lo, const std::string& meaning) {
    const std::string lowest = checks_detail::show(lo);
    return CLI::Validator(
        [lo, lowest, meaning](std::string& input) {
            T v{};
            std::string why;
            if (!checks_detail::parse(input, v, why)) return why;
            if (v >= lo) return std::string();
            return input + " is too small; give " + lowest + " or more (" + meaning + ")";
        },
        ">= " + lowest, "AT_LEAST");
}

// lo <= value <= hi.
template <typename T>
CLI::Validator inRange(T lo, T hi) {
    const std::string bounds = checks_detail::show(lo) + " to " + checks_detail::show(hi);
    return CLI::Validator(
        [lo, hi, bounds](std::string& input) {
            T v{};
            std::string why;
            if (!checks_detail::parse(input, v, why)) return why;
            if (v >= lo && v <= hi) return std::string();
            return input + " is out of range; give " + bounds;
        },
        bounds, "RANGE");
}

// An output file the CLI may write: not a directory, not an SQLite database (an experiment
// store given by mistake). Checked when the command line is read, before any work is done;
// the writers check again when they open the file.
inline CLI::Validator outputFile() {
    return CLI::Validator(
        [](std::string& input) {
            if (input.empty() || input == "-") return std::string();
            try {
                checkOutputPath(input);
            } catch (const Error& e) {
                return std::string(e.what());
            }
            return std::string();
        },
        "FILE", "OUTPUT_FILE");
}

}  // namespace moe::cli
