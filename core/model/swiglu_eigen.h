// The SwiGLU activation as one Eigen array expression, shared by the CPU backend's expert FFN
// and the training layer so both compute silu(g) * u with the same vectorised exp. Internal to
// core/ (.cpp files only): Eigen stays out of the headers that front ends and tests include.
#pragma once

#include <Eigen/Core>

namespace moe::kernels {

// silu(g) .* u with silu(g) = g * sigmoid(g) = g / (1 + exp(-g)).
template <typename A, typename B>
auto swigluArray(const A& g, const B& u) {
    using S = typename A::Scalar;
    return g.array() / (S(1) + (-g.array()).exp()) * u.array();
}

}  // namespace moe::kernels
