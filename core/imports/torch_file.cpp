// See torch_file.h. torch.save names the archive's top folder after the file (or "archive"),
// so data.pkl is found as the one entry "<folder>/data.pkl". Storages are raw little-endian
// elements; half and bfloat16 are widened here.
#include "core/imports/torch_file.h"

#include <bit>
#include <cmath>
#include <cstring>

#include "core/common/error.h"
#include "core/common/resource_limits.h"
#include "core/imports/binary_util.h"

namespace moe {

namespace {

using imports::halfToFloat;
using imports::load;

constexpr uint64_t kMaxPickleBytes = limits::kPickleBytes;  // the object tree, not the tensors
constexpr uint64_t kMaxStorageBytes = limits::kTensorStorageBytes;  // one tensor storage
// Storages up to this size are kept once read (maps, counts, shared by several tensors).
constexpr uint64_t kCachedStorageBytes = uint64_t{1} << 20;

std::string findPickle(const ZipArchive& zip) {
    std::string found;
    for (const std::string& name : zip.names()) {
        const size_t slash = name.find('/');
        if (slash != std::string::npos && name.substr(slash) == "/data.pkl") {
            if (!found.empty()) throw Error(zip.path() + ": more than one data.pkl in the archive");
            found = name;
        }
    }
    if (found.empty())
        throw Error(zip.path() +
                    ": a zip archive without <folder>/data.pkl, so not a torch.save file");
    return found;
}

// The element reader of a dtype, chosen once per tensor rather than per element: the gather
// runs over whole recordings.
using NumberReader = double (*)(const char*);
using IntegerReader = int64_t (*)(const char*);

template <typename T>
double asNumber(const char* p) {
    return static_cast<double>(load<T>(p));
}
template <typename T>
int64_t asInteger(const char* p) {
    return static_cast<int64_t>(load<T>(p));
}

IntegerReader integerReader(const std::string& dtype) {
    if (dtype == "int32") return asInteger<int32_t>;
    if (dtype == "int64") return asInteger<int64_t>;
    if (dtype == "int16") return asInteger<int16_t>;
    if (dtype == "int8") return asInteger<int8_t>;
    if (dtype == "uint8" || dtype == "bool") return asInteger<uint8_t>;
    return nullptr;
}

NumberReader numberReader(const std::string& dtype) {
    if (dtype == "float32") return asNumber<float>;
    if (dtype == "float64") return asNumber<double>;
    if (dtype == "float16")
        return [](const char* p) -> double { return halfToFloat(load<uint16_t>(p)); };
    if (dtype == "bfloat16")
        return [](const char* p) -> double {
            return std::bit_cast<float>(uint32_t{load<uint16_t>(p)} << 16);
        };
    if (dtype == "int32") return asNumber<int32_t>;
    if (dtype == "int64") return asNumber<int64_t>;
    if (dtype == "int16") return asNumber<int16_t>;
    if (dtype == "int8") return asNumber<int8_t>;
    return asNumber<uint8_t>;  // uint8, bool
}

}  // namespace

TorchFile::TorchFile(const std::string& path) : zip_(path) {
    const std::string pickle = findPickle(zip_);
    prefix_ = pickle.substr(0, pickle.size() - std::string("data.pkl").size());
    const std::vector<char> bytes = zip_.read(pickle, kMaxPickleBytes);
    root_ = unpickle(bytes, path + ": " + pickle);
}

// Every tensor's claim is checked against its storage, cached or not: two tensors naming one
// storage with different element types (a half and a float view of 2 bytes) once read past it.
const std::vector<char>& TorchFile::storage(const PickledTensor& t, const std::string& what) const {
    const std::string entry = prefix_ + "data/" + t.storageKey;
    const std::vector<char>* held = nullptr;
    if (const auto it = storages_.find(t.storageKey); it != storages_.end()) {
        held = &it->second;
    } else if (!scratchKey_.empty() && scratchKey_ == t.storageKey) {
        held = &scratch_;
    } else if (!zip_.has(entry)) {
        throw Error(path() + ": tensor '" + what + "' has no storage entry " + entry);
    } else if (zip_.size(entry) > kCachedStorageBytes) {
        // Large storages (a recording's per-pass routing) are read once each: one reused buffer.
        scratchKey_.clear();
        zip_.readInto(entry, kMaxStorageBytes, scratch_);
        scratchKey_ = t.storageKey;
        held = &scratch_;
    } else {
        held = &storages_.emplace(t.storageKey, zip_.read(entry, kMaxStorageBytes)).first->second;
    }
    const std::vector<char>& bytes = *held;
    // Checked without wrapping: 2^61 int64 elements is 2^64 bytes, which wrapped to 0 and let
    // an empty entry pass for a storage that every view then read far outside of.
    uint64_t claimed = 0;
    if (__builtin_mul_overflow(static_cast<uint64_t>(t.storageSize),
                               static_cast<uint64_t>(t.elementSize), &claimed) ||
        bytes.size() != claimed)
        throw Error(path() + ": tensor '" + what + "': storage " + entry + " holds " +
                    std::to_string(bytes.size()) + " bytes, its header says " +
                    std::to_string(t.storageSize) + " " + t.dtype + " elements");
    return bytes;
}

int64_t TorchFile::checkView(const PickledTensor& t, const std::string& what) const {
    const int64_t n = t.elements();
    // A view may repeat elements (stride 0), but not beyond reason: a damaged shape must not
    // make the reader allocate more than the file could mean.
    if (n > (int64_t{1} << 32) || n > 16 * t.storageSize + 1024)
        throw Error(path() + ": tensor '" + what + "' claims " + std::to_string(n) +
                    " elements from a storage of " + std::to_string(t.storageSize));
    // The last element the view reaches must lie inside the storage (overflow counts as out).
    int64_t last = t.offset;
    bool overflow = false;
    for (size_t d = 0; d < t.shape.size(); ++d) {
        int64_t reach = 0;
        if (t.shape[d] > 0)
            overflow |= __builtin_mul_overflow(t.shape[d] - 1, t.stride[d], &reach) ||
                        __builtin_add_overflow(last, reach, &last);
    }
    if (n > 0 && (overflow || t.offset < 0 || last >= t.storageSize))
        throw Error(path() + ": tensor '" + what + "' reaches element " + std::to_string(last) +
                    " of a storage of " + std::to_string(t.storageSize));
    return n;
}

template <typename Out, typename Convert>
std::vector<Out> TorchFile::gather(const PickledTensor& t, const std::string& what,
                                   Convert convert) const {
    const std::vector<char>& bytes = storage(t, what);
    const int64_t n = checkView(t, what);
    std::vector<Out> out(static_cast<size_t>(n));
    std::vector<int64_t> index(t.shape.size(), 0);
    for (int64_t i = 0; i < n; ++i) {
        int64_t at = t.offset;
        for (size_t d = 0; d < index.size(); ++d) at += index[d] * t.stride[d];
        out[static_cast<size_t>(i)] = convert(bytes.data() + at * t.elementSize);
        for (size_t d = index.size(); d-- > 0;) {  // next row-major index
            if (++index[d] < t.shape[d]) break;
            index[d] = 0;
        }
    }
    return out;
}

std::vector<int64_t> TorchFile::integers(const PickledTensor& t, const std::string& what) const {
    const IntegerReader read = integerReader(t.dtype);
    if (!read)
        throw Error(path() + ": tensor '" + what + "' holds " + t.dtype +
                    " values where integer counts or ids are expected");
    return gather<int64_t>(t, what, read);
}

bool TorchFile::isContiguous(const PickledTensor& t) {
    int64_t expected = 1;
    for (size_t d = t.shape.size(); d-- > 0;) {
        if (t.shape[d] != 1 && t.stride[d] != expected) return false;
        expected *= t.shape[d];
    }
    return true;
}

std::vector<int32_t> TorchFile::int32s(const PickledTensor& t, const std::string& what) const {
    std::vector<int32_t> out;
    int32sInto(t, what, out);
    return out;
}

void TorchFile::int32sInto(const PickledTensor& t, const std::string& what,
                           std::vector<int32_t>& out) const {
    bool fits = true;
    if (!isContiguous(t) || !integerReader(t.dtype)) {
        const std::vector<int64_t> values = integers(t, what);
        out.resize(values.size());
        fits = imports::narrowToInt32<int64_t>(reinterpret_cast<const char*>(values.data()),
                                               values.size(), out.data());
    } else {
        // The common case, a whole contiguous storage: one vectorised pass, no index walk.
        const std::vector<char>& bytes = storage(t, what);
        out.resize(static_cast<size_t>(checkView(t, what)));
        const char* p = bytes.data() + t.offset * t.elementSize;
        if (t.dtype == "int32")
            fits = imports::narrowToInt32<int32_t>(p, out.size(), out.data());
        else if (t.dtype == "int64")
            fits = imports::narrowToInt32<int64_t>(p, out.size(), out.data());
        else if (t.dtype == "int16")
            fits = imports::narrowToInt32<int16_t>(p, out.size(), out.data());
        else if (t.dtype == "int8")
            fits = imports::narrowToInt32<int8_t>(p, out.size(), out.data());
        else
            fits = imports::narrowToInt32<uint8_t>(p, out.size(), out.data());
    }
    if (!fits) throw Error(path() + ": tensor '" + what + "' holds values beyond 32 bits");
}

std::vector<double> TorchFile::numbers(const PickledTensor& t, const std::string& what) const {
    return gather<double>(t, what, numberReader(t.dtype));
}

}  // namespace moe
