// Hugging Face's safetensors files, read without Python: an 8-byte little-endian header size,
// a JSON header naming each tensor's dtype, shape and byte range, then the raw bytes. People
// save transformers' router logits this way (one tensor per layer, or stacked). Each tensor
// comes back as an NpyArray (the importers' neutral array) named "file:tensor", in the natural
// order of the names (layers.2 before layers.10).
#pragma once

#include <string>
#include <vector>

#include "core/imports/npy_file.h"

namespace moe {

// True when the file starts with a plausible header size followed by '{'.
bool isSafetensorsFile(const std::string& path);

// Throws moe::Error naming the file (and tensor) for a header that is not JSON, a dtype this
// reader does not convert (the 8-bit floats), a byte range outside the data or not matching
// the shape, or a file with no tensor.
std::vector<NpyArray> readSafetensors(const std::string& path);

}  // namespace moe
