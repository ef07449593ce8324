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

class TableSink {
public:
    explicit TableSink(const TableOutput& output);  // opens --out now; throws moe::Error
    // Writes the whole text to the file (committed) or stdout.
    void write(const std::string& text);

private:
    std::unique_ptr<OutputFile> file_;
};

}  // namespace moe::cli
