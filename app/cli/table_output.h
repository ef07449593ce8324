// `--format table|csv|json` and `-o,--out FILE`, registered the same way on every command that
// writes a table, and the one way such output is written: the file is checked and opened before
// the (possibly long) work, and written whole through a temporary file, so a failure leaves no
// half-written output and an existing file as it was.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "core/common/output_file.h"

namespace moe::cli {

struct TableOutput {
    std::string format = "table";
    std::string out;  // empty = stdout
};

// `formats`: the ones the command offers (table, csv, json by default), the first the default.
void addTableOutputFlags(CLI::App& cmd, TableOutput& output,
                         std::vector<std::string> formats = {"table", "csv", "json"});

// A table in the form scripts read: raw values (numbers as plain decimals, "" when unknown).
// csv() quotes as RFC 4180 says; json() is an array of objects keyed by the header, with
// cells that are whole numbers in decimal form written as JSON numbers and "" as null.
class DataTable {
public:
    explicit DataTable(std::vector<std::string> header) : header_(std::move(header)) {}
    void addRow(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
    std::string csv() const;
    std::string json() const;

private:
    std::vector<std::string> header_;
    std::vector<std::vector<std::string>> rows_;
};

// A raw number for a DataTable cell: shortest decimal that reads back the same double.
std::string rawNumber(double v);

class TableSink {
public:
    explicit TableSink(const TableOutput& output);  // opens --out now; throws moe::Error
    // Writes the whole text to the file (committed) or stdout.
    void write(const std::string& text);

private:
    std::unique_ptr<OutputFile> file_;
};

}  // namespace moe::cli
