// See npy_file.h. The header is a Python dict literal such as
// {'descr': '<i4', 'fortran_order': False, 'shape': (7, 24, 4), } padded with spaces; only
// those three keys are read, by a small scanner rather than a Python evaluator.
#include "core/imports/npy_file.h"

#include <bit>
#include <cctype>
#include <cmath>
#include <cstring>
#include <fstream>

#include "core/common/error.h"
#include "core/imports/binary_util.h"

namespace moe {

using imports::halfToFloat;
using imports::load;

namespace {

constexpr char kMagic[] = "\x93NUMPY";

int elementSize(const std::string& d) {
    if (d == "i1" || d == "u1" || d == "b1") return 1;
    if (d == "i2" || d == "u2" || d == "f2" || d == "bf16") return 2;  // bf16: safetensors only
    if (d == "i4" || d == "u4" || d == "f4") return 4;
    if (d == "i8" || d == "u8" || d == "f8") return 8;
    return 0;
}

// Where the value of `'key':` starts (spaces allowed around the colon), or npos. A scanner
// rather than std::regex: libstdc++'s regex recurses once per character, and a header of 60 KB
// (the format allows 4 GB) overflowed the stack.
size_t valueOf(const std::string& header, const std::string& key) {
    const std::string quoted = "'" + key + "'";
    auto skipSpace = [&](size_t p) {
        while (p < header.size() && std::isspace(static_cast<unsigned char>(header[p]))) ++p;
        return p;
    };
    for (size_t at = header.find(quoted); at != std::string::npos;
         at = header.find(quoted, at + 1)) {
        const size_t colon = skipSpace(at + quoted.size());
        if (colon < header.size() && header[colon] == ':') return skipSpace(colon + 1);
    }
    return std::string::npos;
}

// 'descr': '<i4' -> byte order and dtype ("i4"); false when it is not of that form.
bool parseDescr(const std::string& header, size_t p, char& order, std::string& dtype) {
    if (p == std::string::npos || p + 3 >= header.size() || header[p] != '\'') return false;
    order = header[p + 1];
    size_t q = p + 3;
    while (q < header.size() && std::isdigit(static_cast<unsigned char>(header[q]))) ++q;
    if (!std::strchr("<>|=", order) || !std::isalpha(static_cast<unsigned char>(header[p + 2])) ||
        q == p + 3 || q >= header.size() || header[q] != '\'')
        return false;
    dtype = header.substr(p + 2, q - p - 2);
    return true;
}

void parseHeader(const std::string& header, NpyArray& a) {
    auto fail = [&](const std::string& why) {
        throw Error(a.path + ": npy header " + why + " (header: " + header.substr(0, 120) + ")");
    };
    char order = 0;
    if (!parseDescr(header, valueOf(header, "descr"), order, a.dtype)) fail("has no 'descr'");
    if (order == '>') fail("names a big-endian dtype");
    if (elementSize(a.dtype) == 0) fail("names dtype " + a.dtype + ", not an integer or float");
    const size_t fortran = valueOf(header, "fortran_order");
    if (fortran != std::string::npos && header.compare(fortran, 4, "True") == 0)
        fail("says Fortran order; save the array in C order");
    if (fortran == std::string::npos || header.compare(fortran, 5, "False") != 0)
        fail("has no 'fortran_order'");
    const size_t open = valueOf(header, "shape");
    const size_t close = open == std::string::npos ? open : header.find(')', open);
    if (open == std::string::npos || header[open] != '(' || close == std::string::npos)
        fail("has no 'shape'");
    // Every run of digits between the parentheses is a dimension ("(7, 24, 4)", "(3L,)").
    for (size_t p = open + 1; p < close;) {
        size_t q = p;
        while (q < close && std::isdigit(static_cast<unsigned char>(header[q]))) ++q;
        if (q - p > 12) fail("has a dimension too large");
        if (q > p) a.shape.push_back(std::stoll(header.substr(p, q - p)));
        p = q > p ? q : p + 1;
    }
}

}  // namespace

int64_t NpyArray::elements() const {
    int64_t n = 1;
    for (int64_t d : shape)
        if (__builtin_mul_overflow(n, d, &n)) return INT64_MAX;
    return n;
}

bool NpyArray::isInteger() const { return dtype[0] == 'i' || dtype[0] == 'u' || dtype == "b1"; }

namespace {
template <typename T, typename Out>
void widen(std::string_view data, std::vector<Out>& out) {
    const size_t n = data.size() / sizeof(T);
    out.resize(n);
    for (size_t i = 0; i < n; ++i) out[i] = static_cast<Out>(load<T>(data.data() + i * sizeof(T)));
}
}  // namespace

std::vector<int64_t> NpyArray::integers() const {
    // The dtype is decided once, not per element: this runs over whole routing recordings.
    std::vector<int64_t> out;
    if (dtype == "i1")
        widen<int8_t>(data, out);
    else if (dtype == "u1" || dtype == "b1")
        widen<uint8_t>(data, out);
    else if (dtype == "i2")
        widen<int16_t>(data, out);
    else if (dtype == "u2")
        widen<uint16_t>(data, out);
    else if (dtype == "i4")
        widen<int32_t>(data, out);
    else if (dtype == "u4")
        widen<uint32_t>(data, out);
    else if (dtype == "i8")
        widen<int64_t>(data, out);
    else if (dtype == "u8")
        widen<uint64_t>(data, out);
    else
        throw Error(path + ": holds " + dtype + " values where integers are expected");
    return out;
}

namespace {
template <typename T>
bool narrowAll(std::string_view data, std::vector<int32_t>& out) {
    out.resize(data.size() / sizeof(T));
    return imports::narrowToInt32<T>(data.data(), out.size(), out.data());
}
}  // namespace

std::vector<int32_t> NpyArray::int32s() const {
    std::vector<int32_t> out;
    bool fits = true;
    if (dtype == "i1")
        fits = narrowAll<int8_t>(data, out);
    else if (dtype == "u1" || dtype == "b1")
        fits = narrowAll<uint8_t>(data, out);
    else if (dtype == "i2")
        fits = narrowAll<int16_t>(data, out);
    else if (dtype == "u2")
        fits = narrowAll<uint16_t>(data, out);
    else if (dtype == "i4")
        fits = narrowAll<int32_t>(data, out);
    else if (dtype == "u4")
        fits = narrowAll<uint32_t>(data, out);
    else if (dtype == "i8")
        fits = narrowAll<int64_t>(data, out);
    else if (dtype == "u8")
        fits = narrowAll<uint64_t>(data, out);
    else
        throw Error(path + ": holds " + dtype + " values where integers are expected");
    if (!fits) throw Error(path + ": holds integers beyond the range of 32 bits");
    return out;
}

std::vector<double> NpyArray::numbers() const {
    std::vector<double> out(static_cast<size_t>(elements()));
    numbersAt(0, out.size(), out.data());
    return out;
}

namespace {
template <typename T>
void widenAt(const char* p, size_t n, double* out) {
    for (size_t i = 0; i < n; ++i) out[i] = static_cast<double>(load<T>(p + i * sizeof(T)));
}
}  // namespace

void NpyArray::numbersAt(size_t first, size_t n, double* out) const {
    const char* p = data.data() + first * static_cast<size_t>(elementSize(dtype));
    if (dtype == "f4") {
        widenAt<float>(p, n, out);
    } else if (dtype == "f8") {
        widenAt<double>(p, n, out);
    } else if (dtype == "bf16") {  // from safetensors: the top half of a float32
        for (size_t i = 0; i < n; ++i)
            out[i] = std::bit_cast<float>(uint32_t{load<uint16_t>(p + 2 * i)} << 16);
    } else if (dtype == "f2") {
        for (size_t i = 0; i < n; ++i) out[i] = halfToFloat(load<uint16_t>(p + 2 * i));
    } else if (dtype == "i1") {
        widenAt<int8_t>(p, n, out);
    } else if (dtype == "u1" || dtype == "b1") {
        widenAt<uint8_t>(p, n, out);
    } else if (dtype == "i2") {
        widenAt<int16_t>(p, n, out);
    } else if (dtype == "u2") {
        widenAt<uint16_t>(p, n, out);
    } else if (dtype == "i4") {
        widenAt<int32_t>(p, n, out);
    } else if (dtype == "u4") {
        widenAt<uint32_t>(p, n, out);
    } else if (dtype == "i8") {
        widenAt<int64_t>(p, n, out);
    } else {
        widenAt<uint64_t>(p, n, out);
    }
}

bool isNpyFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    char magic[6] = {};
    return in.read(magic, 6) && std::memcmp(magic, kMagic, 6) == 0;
}

NpyArray readNpy(const std::string& path) {
    NpyArray a;
    a.path = path;
    a.file = std::make_shared<const MappedFile>(path);
    const std::string_view file = a.file->bytes();
    if (file.size() < 8 || std::memcmp(file.data(), kMagic, 6) != 0)
        throw Error(path + ": not a .npy file (no \\x93NUMPY magic)");
    const int major = static_cast<unsigned char>(file[6]);
    size_t at = 8;
    uint32_t headerLength = 0;
    if (major == 1) {
        if (file.size() < 10) throw Error(path + ": ends inside the npy header");
        headerLength = load<uint16_t>(file.data() + 8);
        at = 10;
    } else if (major == 2 || major == 3) {
        if (file.size() < 12) throw Error(path + ": ends inside the npy header");
        headerLength = load<uint32_t>(file.data() + 8);
        at = 12;
    } else {
        throw Error(path + ": npy format version " + std::to_string(major) + " is unknown");
    }
    if (headerLength > (1u << 20))
        throw Error(path + ": npy header of " + std::to_string(headerLength) + " bytes");
    if (file.size() - at < headerLength) throw Error(path + ": ends inside the npy header");
    parseHeader(std::string(file.substr(at, headerLength)), a);
    at += headerLength;
    int64_t bytes = INT64_MAX;  // saturated: a shape whose byte count overflows 64 bits
    if (__builtin_mul_overflow(a.elements(), elementSize(a.dtype), &bytes)) bytes = INT64_MAX;
    const int64_t available = static_cast<int64_t>(file.size() - at);
    if (bytes != available)
        throw Error(path + ": the npy shape needs " + std::to_string(bytes) +
                    " bytes of data, the "
                    "file holds " +
                    std::to_string(available));
    a.data = file.substr(at);
    return a;
}

}  // namespace moe
