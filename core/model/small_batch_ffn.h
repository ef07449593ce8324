// An expert's SwiGLU FFN for a handful of rows (decode steps spread over many experts), without
// GEMM's fixed cost. Measured on the CPU backend (H=128, F=352, one thread): Eigen's GEMM pays
// about 13 us per call before the first row (packing the weights, blocking), 5-6 rows' worth,
// and its row-by-row product reads every weight once per row. Here each weight comes from
// memory once per call (prefetched ahead), multiplied into register accumulators for up to 8
// rows at a time: gate and up products together, then the down product. From packed bf16
// weights a call streams its weights front to back while it multiplies, the first block of
// rows widening each slice for the others: measured with bench_expert_call (weights cold, as
// at decode; one thread, Xeon with 2 MB L2) at H=128 F=352, 1 row 18 us and 32 rows 65 us,
// against 40 and 113 on row-major float32 (row-major bf16, widened in a pass of its own: 33
// and 85).
#pragma once

#include <cstddef>
#include <cstdint>

namespace moe::kernels {

// Whether the small-batch kernel on packed bf16 weights beats GEMM, measured with weights read
// cold, as at decode, where other experts and layers evict them (bench_expert_call against the
// backend's Eigen products, one thread, Xeon with 2 MB L2). With weight matrices up to 1 MB
// (H=128 F=352, H=256 F=704) it wins at every size measured, 8 to 1024 rows; beyond, up to
// 128 rows (H=512 F=1408: 8 rows 0.45 ms against 1.14, 128 rows 3.4 against 3.9; H=1024
// F=2816: 8 rows 1.6 ms against 6.0, 128 rows 13.4 against 16.3, 256 rows a tie). Float
// weights row-major streamed slower and won only up to 64 rows (4 MB matrices) or 8 (more).
// The choice depends on the shape alone, never on the threads, so a rank's results are the
// same bits however many threads it has.
inline bool smallBatchWins(int rows, int H, int F) {
    const size_t matrixBytes = static_cast<size_t>(H) * static_cast<size_t>(F) * sizeof(float);
    return matrixBytes <= (1u << 20) || rows <= 128;
}

// out (rows x H) = (silu(x w1) .* (x w3)) w2 for row-major x (rows x H), w1 and w3 (H x F),
// w2 (F x H). `gate` and `up` are scratch of rows x F floats each, aligned as Eigen aligns
// (its SwiGLU takes the elements before the first aligned packet on a scalar path, so the last
// bits depend on their alignment).
void smallBatchFfn(const float* x, int rows, int H, int F, const float* w1, const float* w3,
                   const float* w2, float* gate, float* up, float* out);

// An expert's weights as bf16, packed for streaming: each product's columns in slices of 32,
// a slice's rows contiguous (gate and up side by side per row, each row's 32 values
// interleaved: column j at 2j, column 16 + j at 2j + 1), so a call reads its weights
// front to back and fetches the next slice while it multiplies the current one. Made from
// float weights by packGateUp and packDown, into packedGateUpHalves and packedDownHalves values.
struct PackedBf16 {
    const uint16_t* gateUp;
    const uint16_t* down;
};
size_t packedGateUpHalves(int H, int F);
size_t packedDownHalves(int H, int F);
void packGateUp(const float* w1, const float* w3, int H, int F, uint16_t* out);
void packDown(const float* w2, int H, int F, uint16_t* out);
// smallBatchFfn on packed weights, widened exactly: given weights that are bf16 values already,
// the result has the same bits as the float call's.
void smallBatchFfn(const float* x, int rows, int H, int F, const PackedBf16& w, float* gate,
                   float* up, float* out);

}  // namespace moe::kernels
