// A file written by torch.save, read without Python: the zip archive (zip_archive.h), its
// pickle (pickle.h), and each tensor's elements gathered from its storage entry by the
// tensor's offset, shape and strides. The importers of SGLang's recorder dumps (and any other
// .pt) read through this.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/imports/pickle.h"
#include "core/imports/zip_archive.h"

namespace moe {

class TorchFile {
public:
    // Opens `path` and unpickles its data.pkl. Throws moe::Error naming the file and the
    // problem (not a zip, no data.pkl, an unsupported construct, a truncated entry).
    explicit TorchFile(const std::string& path);

    const std::string& path() const { return zip_.path(); }
    const PickleValue& root() const { return *root_; }

    // The tensor's elements in row-major order of its shape: as integers (integer and bool
    // tensors; a float tensor is an error) or as doubles (any dtype). `what` names the tensor
    // in errors ("logical_count"). Throws moe::Error when the storage entry is missing, of the
    // wrong size, or too small for the tensor's offset, shape and strides.
    std::vector<int64_t> integers(const PickledTensor& t, const std::string& what) const;
    std::vector<double> numbers(const PickledTensor& t, const std::string& what) const;
    // Integers narrowed to int32 (an error naming the tensor when one does not fit); a
    // contiguous tensor, the usual case, is converted in one pass straight from its storage.
    std::vector<int32_t> int32s(const PickledTensor& t, const std::string& what) const;
    // The same into `out`, whose memory is reused from call to call.
    void int32sInto(const PickledTensor& t, const std::string& what,
                    std::vector<int32_t>& out) const;

private:
    static bool isContiguous(const PickledTensor& t);
    // The tensor's element count, after checking its view stays inside its storage.
    int64_t checkView(const PickledTensor& t, const std::string& what) const;
    // Valid until the next call: a large storage lives in one reused buffer.
    const std::vector<char>& storage(const PickledTensor& t, const std::string& what) const;
    template <typename Out, typename Convert>
    std::vector<Out> gather(const PickledTensor& t, const std::string& what, Convert convert) const;

    ZipArchive zip_;
    std::string prefix_;  // the archive's top folder, e.g. "archive/"
    PickleRef root_;
    mutable std::map<std::string, std::vector<char>> storages_;  // the small ones, kept
    mutable std::vector<char> scratch_;                          // the last large one read
    mutable std::string scratchKey_;
};

}  // namespace moe
