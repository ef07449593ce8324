// Exports a stored run's data as CSV or JSON for spreadsheets, pandas and other tools. Loads
// CSV is byte-for-byte what `run --loads-csv` writes (step,layer,expert,tokens), so a stored
// run and a live one feed the same scripts. Streams: memory does not grow with the run.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "core/store/run_reader.h"

namespace moe::store {

enum class ExportWhat { Loads, Ranks, Predictions, Decisions };
enum class ExportFormat { Csv, Json };

// Throw moe::Error naming the value when unknown.
ExportWhat parseExportWhat(const std::string& name);
ExportFormat parseExportFormat(const std::string& name);

// Writes to `out`; `outName` names it in errors. Returns the number of records written
// (rows of the CSV, entries of the JSON list). Throws moe::Error on a write failure.
int64_t exportRun(RunReader& reader, ExportWhat what, ExportFormat format, std::FILE* out,
                  const std::string& outName);

}  // namespace moe::store
