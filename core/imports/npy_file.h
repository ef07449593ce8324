// NumPy's .npy files (format versions 1-3): the magic, a Python-literal header naming the
// dtype, the order and the shape, then the raw array. People save SGLang's and vLLM's routed
// experts and transformers' router logits this way; this reads them without Python.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/imports/mapped_file.h"

namespace moe {

struct NpyArray {
    std::string path;
    // numpy's descr without the byte-order mark: i1 i2 i4 i8 u1 u2 u4 u8 f2 f4 f8 b1, and bf16
    // (bfloat16, which numpy lacks) for arrays from safetensors files.
    std::string dtype;
    std::vector<int64_t> shape;
    // Row-major, little-endian bytes (a Fortran-order file is refused), viewed inside the
    // mapped file that `file` keeps alive: a recording is never copied whole.
    std::string_view data;
    std::shared_ptr<const MappedFile> file;

    int64_t elements() const;
    bool isInteger() const;
    // Every element as an integer (integer dtypes only), converted in one pass.
    std::vector<int64_t> integers() const;
    // Every element as an int32 (integer dtypes only), in one vectorised pass; throws naming
    // the file when a value does not fit.
    std::vector<int32_t> int32s() const;
    // Every element as a double, converted in one pass.
    std::vector<double> numbers() const;
    // Elements first..first+n-1 as doubles into `out`: a block at a time, so a large array
    // is never widened whole.
    void numbersAt(size_t first, size_t n, double* out) const;
};

// True when the file starts with NumPy's magic.
bool isNpyFile(const std::string& path);

// Throws moe::Error naming the file and the problem (no magic, a header that is not a dict of
// descr / fortran_order / shape, a big-endian or unsupported dtype, Fortran order, a data size
// that does not match the shape).
NpyArray readNpy(const std::string& path);

}  // namespace moe
