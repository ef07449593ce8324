// See safetensors_file.h. The format's own limits are checked before anything is allocated:
// the header must fit in the file (and in 100 MB, the library's own cap), every range must lie
// inside the data. Dtypes map onto NpyArray's numpy names; bfloat16 keeps its own name "bf16".
#include "core/imports/safetensors_file.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "core/common/error.h"
#include "core/common/resource_limits.h"
#include "core/imports/binary_util.h"

namespace moe {

namespace {

constexpr uint64_t kMaxHeader = limits::kSafetensorsHeaderBytes;

// safetensors dtype -> numpy descr (and its size).
const std::map<std::string, std::pair<std::string, int>>& dtypes() {
    static const std::map<std::string, std::pair<std::string, int>> m{
        {"BOOL", {"b1", 1}}, {"U8", {"u1", 1}},  {"I8", {"i1", 1}},     {"I16", {"i2", 2}},
        {"U16", {"u2", 2}},  {"F16", {"f2", 2}}, {"BF16", {"bf16", 2}}, {"I32", {"i4", 4}},
        {"U32", {"u4", 4}},  {"F32", {"f4", 4}}, {"I64", {"i8", 8}},    {"U64", {"u8", 8}},
        {"F64", {"f8", 8}}};
    return m;
}

// "layers.10" after "layers.9": runs of digits compare as numbers.
bool naturalLess(const std::string& a, const std::string& b) {
    size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        if (std::isdigit(static_cast<unsigned char>(a[i])) &&
            std::isdigit(static_cast<unsigned char>(b[j]))) {
            size_t ie = i, je = j;
            while (ie < a.size() && std::isdigit(static_cast<unsigned char>(a[ie]))) ++ie;
            while (je < b.size() && std::isdigit(static_cast<unsigned char>(b[je]))) ++je;
            const std::string x = a.substr(i, ie - i), y = b.substr(j, je - j);
            if (x.size() != y.size()) return x.size() < y.size();
            if (x != y) return x < y;
            i = ie;
            j = je;
        } else {
            if (a[i] != b[j]) return a[i] < b[j];
            ++i;
            ++j;
        }
    }
    return a.size() - i < b.size() - j;
}

NpyArray tensorOf(const std::string& path, const std::string& name, const nlohmann::json& info,
                  const std::shared_ptr<const MappedFile>& file, std::string_view data) {
    const auto fail = [&](const std::string& why) -> NpyArray {
        throw Error(path + ": tensor '" + name + "' " + why);
    };
    if (!info.is_object() || !info.contains("dtype") || !info["dtype"].is_string() ||
        !info.contains("shape") || !info["shape"].is_array() || !info.contains("data_offsets") ||
        !info["data_offsets"].is_array() || info["data_offsets"].size() != 2)
        return fail("lacks dtype, shape or data_offsets");
    const auto dtype = dtypes().find(info["dtype"].get<std::string>());
    if (dtype == dtypes().end())
        return fail("holds " + info["dtype"].get<std::string>() + ", not an integer or float");
    NpyArray a{path + ":" + name, dtype->second.first, {}, {}, file};
    for (const auto& d : info["shape"]) {
        if (!d.is_number_unsigned() || d.get<uint64_t>() > (uint64_t{1} << 40))
            return fail("has a dimension that is not a size");
        a.shape.push_back(d.get<int64_t>());
    }
    const auto& off = info["data_offsets"];
    if (!off[0].is_number_unsigned() || !off[1].is_number_unsigned())
        return fail("has data_offsets that are not sizes");
    const uint64_t begin = off[0].get<uint64_t>(), end = off[1].get<uint64_t>();
    const int64_t n = a.elements();
    // The byte count must not wrap: shape [2^40, 2^21] of F64 is 2^64 bytes, which wrapped to 0
    // and passed for an empty range.
    uint64_t bytes = 0;
    if (begin > end || end > data.size() || n == INT64_MAX ||
        __builtin_mul_overflow(static_cast<uint64_t>(n), uint64_t(dtype->second.second), &bytes) ||
        bytes != end - begin)
        return fail("has bytes " + std::to_string(begin) + ".." + std::to_string(end) +
                    " that do not match its shape inside " + std::to_string(data.size()) +
                    " bytes of data");
    a.data = data.substr(begin, end - begin);
    return a;
}

}  // namespace

bool isSafetensorsFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    char head[9] = {};
    if (!in.read(head, 9)) return false;
    const uint64_t n = imports::load<uint64_t>(head);
    return n >= 2 && n <= kMaxHeader && head[8] == '{';
}

std::vector<NpyArray> readSafetensors(const std::string& path) {
    const auto file = std::make_shared<const MappedFile>(path);
    const std::string_view bytes = file->bytes();
    if (bytes.size() < 8) throw Error(path + ": shorter than a safetensors header");
    const uint64_t n = imports::load<uint64_t>(bytes.data());
    if (n > kMaxHeader || n > bytes.size() - 8)
        throw Error(path + ": safetensors header of " + std::to_string(n) + " bytes in a file of " +
                    std::to_string(bytes.size()));
    const nlohmann::json j = nlohmann::json::parse(bytes.substr(8, n), nullptr, false);
    if (j.is_discarded() || !j.is_object())
        throw Error(path + ": the safetensors header is not a JSON object");
    const std::string_view data = bytes.substr(8 + n);
    std::vector<std::string> names;
    for (const auto& [name, info] : j.items())
        if (name != "__metadata__") names.push_back(name);
    if (names.empty()) throw Error(path + ": holds no tensor");
    std::sort(names.begin(), names.end(), naturalLess);
    std::vector<NpyArray> out;
    for (const std::string& name : names) out.push_back(tensorOf(path, name, j[name], file, data));
    return out;
}

}  // namespace moe
