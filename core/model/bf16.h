// bfloat16 as the 16 upper bits of a float32: what MoE models are served in, and half the bytes
// a decode step streams per expert call. Conversions are exact one way (bf16 -> float) and round
// to nearest even the other, so weights rounded once read the same through either type.
#pragma once

#include <cstdint>
#include <cstring>

namespace moe {

inline float bf16ToFloat(uint16_t h) {
    const uint32_t bits = static_cast<uint32_t>(h) << 16;
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

// Round to nearest, ties to even; NaN stays NaN (a quiet one), infinities stay infinite.
inline uint16_t floatToBf16(float f) {
    uint32_t bits;
    std::memcpy(&bits, &f, sizeof bits);
    if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x40u);
    bits += 0x7fffu + ((bits >> 16) & 1u);
    return static_cast<uint16_t>(bits >> 16);
}

}  // namespace moe
