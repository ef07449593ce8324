// SGLang's older expert-distribution dumps: one CSV per rank,
// `expert_distribution_rank{r}_timestamp{t}.csv`, header `layer_id,expert_id,count`, each row
// a logical expert's tokens over the whole recording window. Files of one timestamp are the
// ranks of one dump and are summed; several timestamps become successive steps in time order
// (names without a timestamp: all files are one dump). Told by the header, not the name.
#pragma once

#include <string>
#include <vector>

#include "core/imports/imported_routing.h"

namespace moe {

// True when the first line of `path` is `layer_id,expert_id,count`.
bool isSglangCsv(const std::string& path);

// Throws moe::Error naming the file and line for a row that is not three whole numbers >= 0
// (expert ids up to 2^20), or a file without the header.
ImportedRouting readSglangCsv(const std::vector<std::string>& files);

}  // namespace moe
