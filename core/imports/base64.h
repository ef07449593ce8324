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

}  // namespace moe::imports
