// See blob_codec.h. Byte-by-byte little-endian assembly keeps the format independent of the
// host's byte order; compilers turn it into plain loads and stores on x86.
#include "core/store/blob_codec.h"

#include <bit>
#include <cstring>

namespace moe::store {
namespace {

inline void putVarint(uint64_t v, std::vector<uint8_t>& out) {
    while (v >= 0x80) {
        out.push_back(static_cast<uint8_t>(v | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<uint8_t>(v));
}

// Reads one varint at `p`; returns false when it runs past `end` or exceeds 64 bits.
inline bool getVarint(const uint8_t*& p, const uint8_t* end, uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (p == end) return false;
        const uint8_t b = *p++;
        v |= static_cast<uint64_t>(b & 0x7f) << shift;
        if (!(b & 0x80)) return true;
    }
    return false;
}

template <typename T, typename U>
void appendLe(std::span<const T> values, std::vector<uint8_t>& out) {
    static_assert(sizeof(T) == sizeof(U));
    const size_t at = out.size();
    out.resize(at + values.size() * sizeof(T));
    uint8_t* p = out.data() + at;
    for (T v : values) {
        const U bits = std::bit_cast<U>(v);
        for (size_t b = 0; b < sizeof(U); ++b) *p++ = static_cast<uint8_t>(bits >> (8 * b));
    }
}

template <typename T, typename U>
void decodeLe(const uint8_t* p, size_t count, T* out) {
    for (size_t i = 0; i < count; ++i) {
        U bits = 0;
        for (size_t b = 0; b < sizeof(U); ++b)
            bits |= static_cast<U>(p[i * sizeof(U) + b]) << (8 * b);
        out[i] = std::bit_cast<T>(bits);
    }
}

}  // namespace

void appendVarints(std::span<const int64_t> values, std::vector<uint8_t>& out) {
    for (int64_t v : values) putVarint(static_cast<uint64_t>(v < 0 ? 0 : v), out);
}

void appendVarints(std::span<const int32_t> values, std::vector<uint8_t>& out) {
    for (int32_t v : values) putVarint(static_cast<uint64_t>(v < 0 ? 0 : v), out);
}

bool decodeVarints(std::span<const uint8_t> blob, size_t count, int64_t* out) {
    const uint8_t* p = blob.data();
    const uint8_t* end = p + blob.size();
    for (size_t i = 0; i < count; ++i) {
        uint64_t v;
        if (!getVarint(p, end, v)) return false;
        out[i] = static_cast<int64_t>(v);
    }
    return p == end;
}

bool decodeVarints(std::span<const uint8_t> blob, std::vector<int64_t>& out) {
    out.clear();
    const uint8_t* p = blob.data();
    const uint8_t* end = p + blob.size();
    while (p != end) {
        uint64_t v;
        if (!getVarint(p, end, v)) return false;
        out.push_back(static_cast<int64_t>(v));
    }
    return true;
}

void appendDoubles(std::span<const double> values, std::vector<uint8_t>& out) {
    appendLe<double, uint64_t>(values, out);
}

bool decodeDoubles(std::span<const uint8_t> blob, size_t count, double* out) {
    if (blob.size() != count * sizeof(double)) return false;
    decodeLe<double, uint64_t>(blob.data(), count, out);
    return true;
}

void appendFloats(std::span<const float> values, std::vector<uint8_t>& out) {
    appendLe<float, uint32_t>(values, out);
}

bool decodeFloats(std::span<const uint8_t> blob, std::vector<float>& out) {
    if (blob.size() % sizeof(float)) return false;
    out.resize(blob.size() / sizeof(float));
    decodeLe<float, uint32_t>(blob.data(), out.size(), out.data());
    return true;
}

}  // namespace moe::store
