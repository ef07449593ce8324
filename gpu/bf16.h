// bfloat16 on the host, in plain C++: the tests round the CPU oracle's inputs exactly as the
// device stores them (round to nearest even, NaN kept), so a bf16 comparison measures the
// device's arithmetic, not the rounding of its inputs.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

namespace moe::gpu {

inline uint16_t floatToBf16(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40);  // NaN
    u += 0x7fffu + ((u >> 16) & 1u);
    return static_cast<uint16_t>(u >> 16);
}

inline float bf16ToFloat(uint16_t b) {
    const uint32_t u = static_cast<uint32_t>(b) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

inline float roundToBf16(float f) { return bf16ToFloat(floatToBf16(f)); }

inline std::vector<uint16_t> toBf16(const std::vector<float>& v) {
    std::vector<uint16_t> out(v.size());
    for (size_t i = 0; i < v.size(); ++i) out[i] = floatToBf16(v[i]);
    return out;
}

}  // namespace moe::gpu
