// An expert's SwiGLU FFN for a handful of rows (decode steps spread over many experts), without
// GEMM's fixed cost. Measured on the CPU backend (H=128, F=352, one thread): Eigen's GEMM pays
// about 13 us per call before the first row (packing the weights, blocking), 5-6 rows' worth,
// and its row-by-row product reads every weight once per row. Here each weight is read once per
// block of up to 8 rows, multiplied into register accumulators for all of them: gate and up
// products together, then the down product.
#pragma once

#include <cstddef>

namespace moe::kernels {

// Whether the small-batch path beats GEMM, as measured on the CPU backend (one thread, bench
// numbers in the commit): with weight matrices that fit in L2 it does up to 64 rows (H=128,
// F=352: 107 us against 140 at 64 rows, 15 against 48 at 8); with larger ones every weight
// streams from memory either way, and it does up to 8 rows (one pass over the weights, as
// GEMM's packing; H=1024, F=2816: 2.2-4.8 ms against 5.0 at 2-8 rows).
inline bool smallBatchWins(int rows, int H, int F) {
    const size_t matrixBytes = static_cast<size_t>(H) * static_cast<size_t>(F) * sizeof(float);
    return rows <= (matrixBytes <= (512u << 10) ? 64 : 8);
}

// out (rows x H) = (silu(x w1) .* (x w3)) w2 for row-major x (rows x H), w1 and w3 (H x F),
// w2 (F x H). `gate` and `up` are scratch of rows x F floats each.
void smallBatchFfn(const float* x, int rows, int H, int F, const float* w1, const float* w3,
                   const float* w2, float* gate, float* up, float* out);

}  // namespace moe::kernels
