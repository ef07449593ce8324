// Compact blobs for the per-step arrays the store keeps (E expert counts, G rank rows and busy
// times, predicted shares, placements). Counts are unsigned LEB128 varints: a decode step of
// 64 sequences x top-4 over 32 experts has counts under 128, one byte each, so a (layer, step)
// row of 32 experts is ~32 bytes instead of 256 as int64. Reals are little-endian IEEE 754.
// Decoding checks the length, so a damaged blob is an error, never garbage numbers.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace moe::store {

// Appends the varints of `values` (each must be >= 0) to `out`.
void appendVarints(std::span<const int64_t> values, std::vector<uint8_t>& out);
void appendVarints(std::span<const int32_t> values, std::vector<uint8_t>& out);
// Decodes exactly `count` varints into `out` (resized); false when the blob does not hold
// exactly that many.
bool decodeVarints(std::span<const uint8_t> blob, size_t count, int64_t* out);
// Decodes all varints of the blob.
bool decodeVarints(std::span<const uint8_t> blob, std::vector<int64_t>& out);

void appendDoubles(std::span<const double> values, std::vector<uint8_t>& out);
bool decodeDoubles(std::span<const uint8_t> blob, size_t count, double* out);
void appendFloats(std::span<const float> values, std::vector<uint8_t>& out);
bool decodeFloats(std::span<const uint8_t> blob, std::vector<float>& out);

}  // namespace moe::store
