// A small unpickler for what torch.save writes: dicts (and OrderedDicts), lists, tuples, ints,
// floats, strings, booleans, None, and tensors (torch._utils._rebuild_tensor_v2 over a storage
// named by a persistent id). It builds values and never runs anything: any other global is an
// error naming the construct and where it stands, so a dump from a foreign pickle cannot do
// more than fail to load.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace moe {

// A tensor as the pickle describes it; its bytes live in the archive entry data/<storageKey>.
struct PickledTensor {
    std::string dtype;        // int8, uint8, int16, int32, int64, float16, bfloat16, float32,
                              // float64, bool
    int elementSize = 0;      // bytes per element
    std::string storageKey;   // the storage's entry name under data/
    int64_t storageSize = 0;  // elements in the storage
    int64_t offset = 0;       // the tensor's first element within the storage
    std::vector<int64_t> shape, stride;
    int64_t elements() const;  // product of the shape (1 for a scalar)
};

struct PickleValue;
using PickleRef = std::shared_ptr<PickleValue>;

struct PickleValue {
    enum class Kind { None, Bool, Int, Float, String, List, Tuple, Dict, Tensor, Global, Storage };
    Kind kind = Kind::None;
    bool boolean = false;
    int64_t integer = 0;
    double number = 0;
    std::string text;                                      // String; Global: "module.name"
    std::vector<PickleRef> items;                          // List, Tuple
    std::vector<std::pair<PickleRef, PickleRef>> entries;  // Dict, in insertion order
    std::shared_ptr<PickledTensor> tensor;                 // Tensor; Storage (shape empty)

    // The value under a string key of a Dict, or nullptr.
    const PickleValue* find(const std::string& key) const;
    static const char* kindName(Kind kind);
};

// Parses a pickle (protocols 0-5 opcodes that torch.save and json-like data use). `where`
// prefixes every error (e.g. "file.pt: archive/data.pkl"); errors name the byte offset and the
// opcode or construct. Throws moe::Error.
PickleRef unpickle(std::span<const char> bytes, const std::string& where);

}  // namespace moe
