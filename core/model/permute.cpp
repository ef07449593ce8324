// Counting sort by expert id: O(rows + E), stable, no comparisons.
#include "core/model/permute.h"

#include <cstring>

namespace moe {

ExpertGrouping groupByExpert(const int32_t* expertOfRow, int rows, int experts) {
    ExpertGrouping g;
    g.offsets.assign(experts + 1, 0);
    for (int r = 0; r < rows; ++r)
        if (expertOfRow[r] >= 0) ++g.offsets[expertOfRow[r] + 1];
    for (int e = 0; e < experts; ++e) g.offsets[e + 1] += g.offsets[e];
    g.order.resize(g.offsets[experts]);
    std::vector<int32_t> cursor(g.offsets.begin(), g.offsets.end() - 1);
    for (int r = 0; r < rows; ++r)
        if (expertOfRow[r] >= 0) g.order[cursor[expertOfRow[r]]++] = r;
    return g;
}

void gatherRows(const float* src, const int32_t* order, int count, int width, float* dst) {
    const size_t bytes = static_cast<size_t>(width) * sizeof(float);
    for (int i = 0; i < count; ++i)
        std::memcpy(dst + static_cast<size_t>(i) * width,
                    src + static_cast<size_t>(order[i]) * width, bytes);
}

}  // namespace moe
