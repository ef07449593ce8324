// See table_output.h.
#include "app/cli/table_output.h"

#include <iostream>

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
