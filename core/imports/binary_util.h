// Small pieces the binary readers of core/imports share: unaligned little-endian loads, the
// half-precision widening, and the zip magic that tells a torch.save file from the rest.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <type_traits>

namespace moe::imports {

template <typename T>
T load(const char* p) {
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
}

// `n` integers of type T at `p` narrowed into `out`; false when any does not fit in int32.
// Written without an early exit so that the compiler vectorises it: routing recordings run to
// hundreds of megabytes.
template <typename T>
bool narrowToInt32(const char* p, size_t n, int32_t* out) {
    bool fits = true;
    for (size_t i = 0; i < n; ++i) {
        const T v = load<T>(p + i * sizeof(T));
        if constexpr (std::is_unsigned_v<T> && sizeof(T) >= 4)
            fits &= v <= static_cast<T>(INT32_MAX);
        else if constexpr (sizeof(T) > 4)
            fits &= v >= INT32_MIN && v <= INT32_MAX;
        out[i] = static_cast<int32_t>(v);
    }
    return fits;
}

// IEEE 754 binary16 to float (subnormals, infinities and NaN included).
inline float halfToFloat(uint16_t h) {
    const int exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
    const float sign = (h & 0x8000) ? -1.0f : 1.0f;
    if (exponent == 0) return sign * std::ldexp(static_cast<float>(mantissa), -24);
    if (exponent == 31) return mantissa ? NAN : sign * INFINITY;
    return sign * std::ldexp(static_cast<float>(mantissa | 0x400), exponent - 25);
}

// True when the file starts with a zip archive's "PK" (torch.save writes zip archives).
inline bool isZipFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    char magic[2] = {0, 0};
    return in.read(magic, 2) && magic[0] == 'P' && magic[1] == 'K';
}

}  // namespace moe::imports
