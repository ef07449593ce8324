// An expert's SwiGLU FFN for a handful of rows (decode steps spread over many experts), without
// GEMM's fixed cost. Measured on the CPU backend (H=128, F=352, one thread): Eigen's GEMM pays
// about 13 us per call before the first row (packing the weights, blocking), 5-6 rows' worth,
// and its row-by-row product reads every weight once per row. Here each weight comes from
// memory once per call (prefetched ahead), multiplied into register accumulators for up to 8
// rows at a time: gate and up products together, then the down product.
#pragma once

#include <cstddef>
#include <cstdint>

namespace moe::kernels {

// Whether the small-batch path beats GEMM, as measured on the CPU backend (bench numbers in
// the commits; weights read cold, as at decode, where other experts and layers evict them).
// With weight matrices up to 1 MB (H=128 F=352, H=256 F=704) it wins at every size measured,
// 8 to 1024 rows (H=256 F=704 at 256 rows: 1.7 ms against 2.1, one thread); up to 4 MB
// (H=512 F=1408) up to 64 rows (2.4 ms, a tie); beyond, every weight streams from memory at
// any size and it wins only up to 8 rows (one pass over the weights; H=1024 F=2816: 3.3 ms
// against 4.2). The choice depends on the shape alone, never on the threads, so a rank's
// results are the same bits however many threads it has.
inline bool smallBatchWins(int rows, int H, int F) {
    const size_t matrixBytes = static_cast<size_t>(H) * static_cast<size_t>(F) * sizeof(float);
    if (matrixBytes <= (1u << 20)) return true;
    return rows <= (matrixBytes <= (4u << 20) ? 64 : 8);
}

// Whether bf16 weights beat float32 ones in the small-batch kernel, as measured with
// bench_expert_call (weights cold, one thread; bf16 / float32 time): a single block of rows
// (up to 8) streams each weight once and is bound by that stream, 0.59-0.83 at every shape;
// past it each weight is used by several blocks, and widening it to float costs what the
// halved stream saves while the matrices fit in 1 MB (H=128 F=352: 1.01-1.02 at 32 and 128
// rows; H=256 F=704: 1.02-1.07), and much less beyond (H=512 F=1408: 0.85-0.86; H=1024
// F=2816: 0.45-0.47). The same bits either way; the choice only decides the speed.
inline bool bf16Wins(int rows, int H, int F) {
    const size_t matrixBytes = static_cast<size_t>(H) * static_cast<size_t>(F) * sizeof(float);
    return rows <= 8 || matrixBytes > (1u << 20);
}

// out (rows x H) = (silu(x w1) .* (x w3)) w2 for row-major x (rows x H), w1 and w3 (H x F),
// w2 (F x H). `gate` and `up` are scratch of rows x F floats each, aligned as Eigen aligns
// (its SwiGLU takes the elements before the first aligned packet on a scalar path, so the last
// bits depend on their alignment).
void smallBatchFfn(const float* x, int rows, int H, int F, const float* w1, const float* w3,
                   const float* w2, float* gate, float* up, float* out);
// The same with bf16 weights (core/model/bf16.h), widened exactly: given the bf16 of weights
// that are bf16 values already, the result has the same bits as the float call's.
void smallBatchFfn(const float* x, int rows, int H, int F, const uint16_t* w1, const uint16_t* w3,
                   const uint16_t* w2, float* gate, float* up, float* out);

}  // namespace moe::kernels
