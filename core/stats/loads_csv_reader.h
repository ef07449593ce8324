// Reads expert loads from CSV for planning without a workload: rows `layer,expert,tokens`
// (a profile), or `step,layer,expert,tokens` as `run --loads-csv` writes them (summed over
// steps). A header line is expected; every bad row is reported as FILE:LINE: problem.
#pragma once

#include <string>

#include "core/stats/load_matrix.h"

namespace moe {

// Layers and experts are one more than the largest ids seen.
LoadMatrix readLoadsCsv(const std::string& path);

}  // namespace moe
