// See base64.h. A 256-entry table maps characters to 6-bit values (0xff: not in the alphabet);
// four characters make three bytes, fewer where '=' pads the last group.
#include "core/imports/base64.h"

#include <array>
#include <cstdint>

namespace moe::imports {

namespace {

constexpr std::array<uint8_t, 256> makeTable() {
    std::array<uint8_t, 256> t{};
    for (auto& v : t) v = 0xff;
    const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 64; ++i) t[static_cast<uint8_t>(alphabet[i])] = static_cast<uint8_t>(i);
    return t;
}

constexpr std::array<uint8_t, 256> kTable = makeTable();

}  // namespace

std::optional<size_t> decodeBase64To(std::string_view text, char* out) {
    if (text.size() % 4 != 0) return std::nullopt;
    size_t pad = 0;
    while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
    const size_t groups = text.size() / 4;
    const auto* in = reinterpret_cast<const uint8_t*>(text.data());
    // Every group but the last has no padding: four lookups, one check (a character outside
    // the alphabet maps to 0xff, so OR-ing the four shows it), three bytes out.
    uint8_t bad = 0;
    for (size_t g = 0; g + 1 < groups; ++g, in += 4, out += 3) {
        const uint8_t a = kTable[in[0]], b = kTable[in[1]], c = kTable[in[2]], d = kTable[in[3]];
        bad |= a | b | c | d;
        const uint32_t group = uint32_t{a} << 18 | uint32_t{b} << 12 | uint32_t{c} << 6 | d;
        out[0] = static_cast<char>(group >> 16);
        out[1] = static_cast<char>(group >> 8 & 0xff);
        out[2] = static_cast<char>(group & 0xff);
    }
    if (bad & 0x80) return std::nullopt;
    if (groups == 0) return size_t{0};
    uint32_t group = 0;
    for (size_t j = 0; j < 4; ++j) {
        const uint8_t v = j >= 4 - pad ? 0 : kTable[in[j]];
        if (v == 0xff) return std::nullopt;
        group = group << 6 | v;
    }
    const size_t last = 3 - pad;
    const char bytes[3] = {static_cast<char>(group >> 16), static_cast<char>(group >> 8 & 0xff),
                           static_cast<char>(group & 0xff)};
    for (size_t j = 0; j < last; ++j) out[j] = bytes[j];
    return (groups - 1) * 3 + last;
}

std::optional<std::string> decodeBase64(std::string_view text) {
    std::string out(text.size() / 4 * 3, '\0');
    const std::optional<size_t> n = decodeBase64To(text, out.data());
    if (!n) return std::nullopt;
    out.resize(*n);
    return out;
}

}  // namespace moe::imports
