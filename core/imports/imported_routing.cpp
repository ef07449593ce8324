// See imported_routing.h.
#include "core/imports/imported_routing.h"

namespace moe {

int64_t ImportedRouting::steps() const {
    if (!perToken()) return static_cast<int64_t>(stepLoads.size());
    return tokens.empty() ? 0 : tokens.back().step + 1;
}

std::vector<std::vector<int64_t>> ImportedRouting::loadsPerStep() const {
    if (!perToken()) return stepLoads;
    const size_t L = layers.size(), E = static_cast<size_t>(experts);
    std::vector<std::vector<int64_t>> out(static_cast<size_t>(steps()),
                                          std::vector<int64_t>(L * E, 0));
    const size_t perToken = L * static_cast<size_t>(topK);
    for (size_t t = 0; t < tokens.size(); ++t) {
        std::vector<int64_t>& loads = out[static_cast<size_t>(tokens[t].step)];
        for (size_t l = 0; l < L; ++l)
            for (int j = 0; j < topK; ++j) {
                const int32_t e = ids[t * perToken + l * topK + j];
                if (e >= 0) ++loads[l * E + e];
            }
    }
    return out;
}

}  // namespace moe
