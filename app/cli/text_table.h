// Aligned plain-text tables for terminal summaries: right-aligned numbers, left-aligned
// labels, one header rule. Kept tiny on purpose; CSV and JSON have their own writers.
#pragma once

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

namespace moe::cli {

class TextTable {
public:
    explicit TextTable(std::vector<std::string> header) : header_(std::move(header)) {}
    void addRow(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
    // Left-align a text column (the first column always is; numbers stay right-aligned).
    void alignLeft(size_t column) {
        left_.resize(std::max(left_.size(), column + 1));
        left_[column] = true;
    }
    void print(std::ostream& out, const std::string& indent = "  ") const;

private:
    std::vector<std::string> header_;
    std::vector<std::vector<std::string>> rows_;
    std::vector<bool> left_;
};

std::string fixed(double v, int decimals);
std::string grouped(long long v);  // 12345678 -> "12,345,678"
std::string seconds(double s);     // adaptive: "850 us", "12.3 ms", "4.21 s"

}  // namespace moe::cli
