// torch.save .pt files (zip + pickle + raw storages): TorchFile, the unpickler, and SGLang's
// recorder dumps read through them. A hostile pickle or zip directory must end in a moe::Error,
// never a crash or an allocation its bytes do not justify.
// An input starting with "PK" is the .pt file itself. Any other input is the pickle alone: the
// zip's CRCs would reject nearly every mutation of a pickle inside it, so this target packs it
// into a zip of its own with a storage entry of the claimed size for every tensor it names.
#include <zlib.h>

#include <map>

#include "core/imports/pickle.h"
#include "core/imports/sglang_dump.h"
#include "core/imports/torch_file.h"
#include "fuzz/fuzz_support.h"

namespace {

using Kind = moe::PickleValue::Kind;

std::string le(uint64_t v, int bytes) {
    std::string s;
    for (int i = 0; i < bytes; ++i) s += static_cast<char>(i < 8 ? (v >> (8 * i)) & 0xff : 0);
    return s;
}

// A zip of stored entries, in order.
std::string zipOf(const std::map<std::string, std::string>& entries) {
    std::string local, central;
    for (const auto& [name, data] : entries) {
        const auto crc =
            crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size()));
        const std::string sizes = le(crc, 4) + le(data.size(), 4) + le(data.size(), 4);
        central += le(0x02014b50, 4) + le(20, 2) + le(20, 2) + le(0, 8) + sizes +
                   le(name.size(), 2) + le(0, 12) + le(local.size(), 4) + name;
        local += le(0x04034b50, 4) + le(20, 2) + le(0, 8) + sizes + le(name.size(), 2) + le(0, 2) +
                 name + data;
    }
    return local + central + le(0x06054b50, 4) + le(0, 4) + le(entries.size(), 2) +
           le(entries.size(), 2) + le(central.size(), 4) + le(local.size(), 4) + le(0, 2);
}

// Storage entries for the tensors under `v`: small ids (-1..7) in every element, so routing
// dumps get past their range checks. Storages over 64 KB are left out (a missing entry).
void addStorages(const moe::PickleValue& v, std::map<std::string, std::string>& entries,
                 int depth) {
    if (depth > 8) return;
    if ((v.kind == Kind::Tensor || v.kind == Kind::Storage) && v.tensor) {
        const moe::PickledTensor& t = *v.tensor;
        const uint64_t bytes = static_cast<uint64_t>(t.storageSize) * t.elementSize;
        if (t.storageSize <= (1 << 16) && bytes <= (1 << 16)) {
            std::string data;
            for (int64_t j = 0; j < t.storageSize; ++j) data += le((j % 9) - 1, t.elementSize);
            entries.emplace("archive/data/" + t.storageKey, data);
        }
    }
    for (const auto& item : v.items) addStorages(*item, entries, depth + 1);
    for (const auto& [key, value] : v.entries) addStorages(*value, entries, depth + 1);
}

// Every tensor under `v` (a few levels down, a bounded number), read all three ways.
void readTensors(const moe::TorchFile& f, const moe::PickleValue& v, int depth, int& budget) {
    if (depth > 4 || budget <= 0) return;
    if (v.kind == Kind::Tensor && --budget >= 0) {
        moe::fuzz::expectOnlyMoeError([&] { f.numbers(*v.tensor, "t"); });
        moe::fuzz::expectOnlyMoeError([&] { f.integers(*v.tensor, "t"); });
        moe::fuzz::expectOnlyMoeError([&] { f.int32s(*v.tensor, "t"); });
    }
    for (const auto& item : v.items) readTensors(f, *item, depth + 1, budget);
    for (const auto& [key, value] : v.entries) readTensors(f, *value, depth + 1, budget);
}

void readPt(const std::string& path) {
    const moe::TorchFile file(path);
    int budget = 16;
    readTensors(file, file.root(), 0, budget);
    if (moe::isSglangDump(file)) moe::readSglangDump({path});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size >= 2 && data[0] == 'P' && data[1] == 'K') {
        const std::string path = moe::fuzz::writeInput(data, size, "input.pt");
        moe::fuzz::expectOnlyMoeError([&] { readPt(path); });
        return 0;
    }
    const std::string pickle(reinterpret_cast<const char*>(data), size);
    moe::fuzz::expectOnlyMoeError([&] {
        const moe::PickleRef root = moe::unpickle(pickle, "input.pkl");
        std::map<std::string, std::string> entries{{"archive/data.pkl", pickle}};
        addStorages(*root, entries, 0);
        const std::string zip = zipOf(entries);
        const std::string path = moe::fuzz::writeInput(reinterpret_cast<const uint8_t*>(zip.data()),
                                                       zip.size(), "packed.pt");
        readPt(path);
    });
    return 0;
}
