// Log-sum-exp with the row maximum subtracted, so large logits never overflow.
#include "core/train/cross_entropy.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace moe::train {

template <typename T>
T crossEntropy(const T* logits, int n, int vocab, const int32_t* targets, T* dlogits) {
    double total = 0;
    for (int t = 0; t < n; ++t) {
        const T* row = logits + static_cast<size_t>(t) * vocab;
        const T mx = *std::max_element(row, row + vocab);
        T sum = 0;
        for (int v = 0; v < vocab; ++v) sum += std::exp(row[v] - mx);
        const T logZ = mx + std::log(sum);
        total += static_cast<double>(logZ - row[targets[t]]);
        if (!dlogits) continue;
        T* d = dlogits + static_cast<size_t>(t) * vocab;
        for (int v = 0; v < vocab; ++v) d[v] = std::exp(row[v] - logZ) / n;
        d[targets[t]] -= T(1) / n;
    }
    return static_cast<T>(total / n);
}

template float crossEntropy<float>(const float*, int, int, const int32_t*, float*);
template double crossEntropy<double>(const double*, int, int, const int32_t*, double*);

}  // namespace moe::train
