// How a what-if matrix reads on the command line, shared by `whatif` (as it finishes) and
// `runs show` (a stored one): a table for people, CSV and JSON with the columns.
#pragma once

#include <string>

#include "core/whatif/whatif_matrix.h"

namespace moe::cli {

std::string matrixTable(const WhatIfResult& r);
// `format` is csv or json.
std::string matrixData(const WhatIfResult& r, const std::string& format);

}  // namespace moe::cli
