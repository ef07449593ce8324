// A bias-free linear map y = x W over row-major buffers, forward and backward. The attention
// projections, the LM head and (through the MoE layer's own code) the experts are all this.
#pragma once

namespace moe::train {

// y (n x out) = x (n x in) * w (in x out).
template <typename T>
void linearForward(const T* x, int n, int in, const T* w, int out, T* y);

// dw (in x out) += x^T dy; dx (n x in) = dy w^T, or += when `accumulate`; dx may be nullptr.
template <typename T>
void linearBackward(const T* x, int n, int in, const T* w, int out, const T* dy, T* dx, T* dw,
                    bool accumulate = false);

}  // namespace moe::train
