// See load_shares.h.
#include "core/predict/load_shares.h"

namespace moe {

LoadShares sharesOf(const LoadMatrix& loads, int tokens, int topK) {
    LoadShares s(loads.layers(), loads.experts());
    const double pairs = static_cast<double>(tokens) * topK;
    for (int l = 0; l < loads.layers(); ++l)
        for (int e = 0; e < loads.experts(); ++e)
            s.at(l, e) = pairs > 0 ? static_cast<float>(loads.at(l, e) / pairs)
                                   : 1.0f / static_cast<float>(loads.experts());
    return s;
}

}  // namespace moe
