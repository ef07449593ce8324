// See npy_file.h. The header is a Python dict literal such as
// {'descr': '<i4', 'fortran_order': False, 'shape': (7, 24, 4), } padded with spaces; only
// those three keys are read, by a small scanner rather than a Python evaluator.
#include "core/imports/npy_file.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <regex>

#include "core/common/error.h"
#include "core/imports/binary_util.h"

namespace moe {

using imports::halfToFloat;
using imports::load;

namespace {

constexpr char kMagic[] = "\x93NUMPY";

int elementSize(const std::string& d) {
    if (d == "i1" || d == "u1" || d == "b1") return 1;
    if (d == "i2" || d == "u2" || d == "f2") return 2;
    if (d == "i4" || d == "u4" || d == "f4") return 4;
    if (d == "i8" || d == "u8" || d == "f8") return 8;
    return 0;
}

void parseHeader(const std::string& header, NpyArray& a) {
    auto fail = [&](const std::string& why) {
        throw Error(a.path + ": npy header " + why + " (header: " + header.substr(0, 120) + ")");
    };
    std::smatch m;
    if (!std::regex_search(header, m, std::regex(R"('descr'\s*:\s*'([<>|=])([a-zA-Z])(\d+)')")))
        fail("has no 'descr'");
    if (m[1] == ">") fail("names a big-endian dtype");
    a.dtype = m[2].str() + m[3].str();
    if (elementSize(a.dtype) == 0) fail("names dtype " + a.dtype + ", not an integer or float");
    if (!std::regex_search(header, m, std::regex(R"('fortran_order'\s*:\s*(True|False))")))
        fail("has no 'fortran_order'");
    if (m[1] == "True") fail("says Fortran order; save the array in C order");
    if (!std::regex_search(header, m, std::regex(R"('shape'\s*:\s*\(([^)]*)\))")))
        fail("has no 'shape'");
    const std::string dims = m[1];
    static const std::regex number(R"(\d+)");
    for (std::sregex_iterator it(dims.begin(), dims.end(), number), end; it != end; ++it) {
        if (it->str().size() > 12) fail("has a dimension too large");
        a.shape.push_back(std::stoll(it->str()));
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
void widen(const std::vector<char>& data, std::vector<Out>& out) {
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
bool narrowAll(const std::vector<char>& data, std::vector<int32_t>& out) {
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
    std::vector<double> out;
    if (isInteger()) {
        const std::vector<int64_t> values = integers();
        out.assign(values.begin(), values.end());
    } else if (dtype == "f4") {
        widen<float>(data, out);
    } else if (dtype == "f8") {
        widen<double>(data, out);
    } else if (dtype == "bf16") {  // from safetensors: the top half of a float32
        out.resize(data.size() / 2);
        for (size_t i = 0; i < out.size(); ++i)
            out[i] = std::bit_cast<float>(uint32_t{load<uint16_t>(data.data() + 2 * i)} << 16);
    } else {  // f2
        out.resize(data.size() / 2);
        for (size_t i = 0; i < out.size(); ++i)
            out[i] = halfToFloat(load<uint16_t>(data.data() + 2 * i));
    }
    return out;
}

bool isNpyFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    char magic[6] = {};
    return in.read(magic, 6) && std::memcmp(magic, kMagic, 6) == 0;
}

NpyArray readNpy(const std::string& path) {
    NpyArray a;
    a.path = path;
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path + ": cannot be read");
    char head[10] = {};
    if (!in.read(head, 8) || std::memcmp(head, kMagic, 6) != 0)
        throw Error(path + ": not a .npy file (no \\x93NUMPY magic)");
    const int major = static_cast<unsigned char>(head[6]);
    uint32_t headerLength = 0;
    if (major == 1) {
        if (!in.read(head, 2)) throw Error(path + ": ends inside the npy header");
        headerLength = load<uint16_t>(head);
    } else if (major == 2 || major == 3) {
        if (!in.read(head, 4)) throw Error(path + ": ends inside the npy header");
        headerLength = load<uint32_t>(head);
    } else {
        throw Error(path + ": npy format version " + std::to_string(major) + " is unknown");
    }
    if (headerLength > (1u << 20))
        throw Error(path + ": npy header of " + std::to_string(headerLength) + " bytes");
    std::string header(headerLength, '\0');
    if (!in.read(header.data(), headerLength)) throw Error(path + ": ends inside the npy header");
    parseHeader(header, a);
    const int64_t n = a.elements();
    const int64_t bytes = n == INT64_MAX ? INT64_MAX : n * elementSize(a.dtype);
    const std::streampos start = in.tellg();
    in.seekg(0, std::ios::end);
    const int64_t available = static_cast<int64_t>(in.tellg() - start);
    if (bytes != available)
        throw Error(path + ": the npy shape needs " + std::to_string(bytes) +
                    " bytes of data, the "
                    "file holds " +
                    std::to_string(available));
    in.seekg(start);
    a.data.resize(static_cast<size_t>(bytes));
    if (!in.read(a.data.data(), bytes)) throw Error(path + ": could not read the npy data");
    return a;
}

}  // namespace moe
