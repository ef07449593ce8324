// Grouping of (token, slot) rows by expert, so each expert's FFN runs as one dense matrix
// product over contiguous rows. Shared by the single-rank layer and the rank dispatch.
#pragma once

#include <cstdint>
#include <vector>

namespace moe {

struct ExpertGrouping {
    std::vector<int32_t>
        offsets;  // E + 1 entries: rows of expert e are order[offsets[e]..offsets[e+1])
    std::vector<int32_t> order;  // row indices, stable (original order kept within an expert)
};

// Rows whose expert is negative (dropped) are left out.
ExpertGrouping groupByExpert(const int32_t* expertOfRow, int rows, int experts);

// dst[i] = src[order[i]] for rows of `width` floats.
void gatherRows(const float* src, const int32_t* order, int count, int width, float* dst);

}  // namespace moe
