// See table_output.h.
#include "app/cli/table_output.h"

#include <charconv>
#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/cli/option_checks.h"

namespace moe::cli {

void addTableOutputFlags(CLI::App& cmd, TableOutput& output, std::vector<std::string> formats) {
    output.format = formats.front();
    std::string list;
    for (size_t i = 0; i < formats.size(); ++i)
        list += (i == 0 ? "" : i + 1 == formats.size() ? " or " : ", ") + formats[i];
    cmd.add_option("--format", output.format, "Output format: " + list)
        ->check(CLI::IsMember(formats))
        ->capture_default_str();
    cmd.add_option("-o,--out", output.out, "Write to this file instead of stdout")
        ->check(outputFile());
}

namespace {
std::string csvField(const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

// Whole numbers stay whole (steps: 60, not 60.0); other numbers as doubles; text as text.
nlohmann::ordered_json jsonCell(const std::string& s) {
    if (s.empty()) return nullptr;
    int64_t n = 0;
    const char* last = s.data() + s.size();
    if (const auto [end, ec] = std::from_chars(s.data(), last, n); ec == std::errc() && end == last)
        return n;
    double v = 0;
    const auto [end, ec] = std::from_chars(s.data(), last, v);
    if (ec == std::errc() && end == last && std::isfinite(v)) return v;
    return s;
}
}  // namespace

std::string rawNumber(double v) {
    if (!std::isfinite(v)) return "";
    char buf[64];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    return ec == std::errc() ? std::string(buf, end) : std::string();
}

std::string DataTable::csv() const {
    std::string out;
    auto line = [&out](const std::vector<std::string>& cells) {
        for (size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + csvField(cells[i]);
        out += '\n';
    };
    line(header_);
    for (const auto& r : rows_) line(r);
    return out;
}

std::string DataTable::json() const {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& r : rows_) {
        nlohmann::ordered_json row = nlohmann::ordered_json::object();
        for (size_t i = 0; i < header_.size(); ++i)
            row[header_[i]] = i < r.size() ? jsonCell(r[i]) : nullptr;
        out.push_back(std::move(row));
    }
    return out.dump(2) + '\n';
}

TableSink::TableSink(const TableOutput& output)
    : file_(output.out.empty() ? nullptr : std::make_unique<OutputFile>(output.out)) {}

void TableSink::write(const std::string& text) {
    if (!file_) {
        std::cout << text << std::flush;
        return;
    }
    file_->write(text);
    file_->commit();
    file_.reset();
}

}  // namespace moe::cli
