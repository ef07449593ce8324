// SGLang's expert-distribution recorder dumps (--expert-distribution-recorder-mode), read as
// ../shared/docs/formats.md describes them (sglang python/sglang/srt/eplb/expert_distribution.py):
//   stat / stat_approx: one file, "logical_count" int [passes, layers, logical experts];
//   per_pass: a file per rank, "records" of {forward_pass_id, rank, global_physical_count
//             [layers, physical]} and "last_physical_to_logical_map" [layers, physical];
//   per_token: the same wrapper, records with topk_ids_of_layer [layers, tokens, 8] (-1 past
//             top-k), input_ids, positions and extend_seq_lens.
// The mode is told from the content. SGLang's layer axis is num_hidden_layers: dense layers
// (no counts, no ids) are left out and the kept layers keep their numbers.
#pragma once

#include <string>
#include <vector>

#include "core/imports/imported_routing.h"
#include "core/imports/torch_file.h"

namespace moe {

// True when `file` holds what the recorder writes (a dict with logical_count or records).
bool isSglangDump(const TorchFile& file);

// Reads one stat dump or all per-rank files of one per_pass or per_token dump. Throws
// moe::Error naming the file and the field when a file is of another mode, shape or dtype.
ImportedRouting readSglangDump(const std::vector<std::string>& files);

}  // namespace moe
