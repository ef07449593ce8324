// Streams per-step expert loads as CSV rows `step,layer,expert,tokens`, the record format the
// CLI's --loads-csv writes and later tools (plan --loads, spreadsheets) read.
#pragma once

#include <cstdio>
#include <string>

#include "core/stats/load_matrix.h"

namespace moe {

class LoadsCsvWriter {
public:
    explicit LoadsCsvWriter(const std::string& path);  // throws moe::Error if it cannot write
    ~LoadsCsvWriter();
    LoadsCsvWriter(const LoadsCsvWriter&) = delete;
    LoadsCsvWriter& operator=(const LoadsCsvWriter&) = delete;

    void write(int64_t step, const LoadMatrix& loads);
    void close();  // flushes; throws moe::Error on a write failure (disk full, ...)

private:
    std::string path_;
    std::FILE* file_ = nullptr;
};

}  // namespace moe
