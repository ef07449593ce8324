// Multi-head causal self-attention over a batch of equal-length sequences, forward and
// backward: q, k, v = x Wq, x Wk, x Wv; per head softmax(q k^T / sqrt(dh)) with future
// positions masked; out = concat(heads) Wo. Positions come from a learned embedding (model).
#pragma once

#include <vector>

namespace moe::train {

struct AttentionShape {
    int batch = 0;  // sequences
    int seq = 0;    // tokens per sequence
    int width = 0;  // model width D
    int heads = 0;  // D must be divisible by heads
    int tokens() const { return batch * seq; }
};

template <typename T>
struct AttentionWeights {
    const T* wq = nullptr;  // D x D each
    const T* wk = nullptr;
    const T* wv = nullptr;
    const T* wo = nullptr;
};

template <typename T>
struct AttentionGrads {
    T* wq = nullptr;
    T* wk = nullptr;
    T* wv = nullptr;
    T* wo = nullptr;
};

template <typename T>
struct AttentionCache {
    std::vector<T> q, k, v;  // tokens x D
    std::vector<T> probs;    // batch x heads x seq x seq (zero above the diagonal)
    std::vector<T> o;        // tokens x D, heads concatenated, before Wo
};

template <typename T>
void attentionForward(const AttentionShape& s, const AttentionWeights<T>& w, const T* x, T* out,
                      AttentionCache<T>& cache);

// dx (tokens x D) is overwritten; weight gradients are accumulated.
template <typename T>
void attentionBackward(const AttentionShape& s, const AttentionWeights<T>& w, const T* x,
                       const AttentionCache<T>& cache, const T* dout, T* dx,
                       AttentionGrads<T>& grads);

}  // namespace moe::train
