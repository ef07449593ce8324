// Standard base64 (RFC 4648, with padding) decoded to bytes: SGLang returns a request's routed
// experts as base64 of little-endian int32s. Small enough to own; no library in the stack
// offers it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace moe::imports {

// The decoded bytes, or nothing when `text` holds a character outside the alphabet, padding
// in the middle, or a length that is not a multiple of 4.
std::optional<std::string> decodeBase64(std::string_view text);

// The same written at `out`, which must hold text.size() / 4 * 3 bytes: the number of bytes
// decoded, or nothing. Lets a caller decode straight into the array the bytes are meant for.
std::optional<size_t> decodeBase64To(std::string_view text, char* out);

}  // namespace moe::imports
