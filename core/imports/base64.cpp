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

std::optional<std::string> decodeBase64(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    size_t pad = 0;
    while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (size_t i = 0; i < text.size(); i += 4) {
        const bool last = i + 4 == text.size();
        uint32_t group = 0;
        for (size_t j = 0; j < 4; ++j) {
            const char c = text[i + j];
            const bool padding = last && j >= 4 - pad;
            const uint8_t v = padding ? 0 : kTable[static_cast<uint8_t>(c)];
            if (v == 0xff) return std::nullopt;
            group = group << 6 | v;
        }
        out.push_back(static_cast<char>(group >> 16));
        if (!(last && pad == 2)) out.push_back(static_cast<char>(group >> 8 & 0xff));
        if (!(last && pad >= 1)) out.push_back(static_cast<char>(group & 0xff));
    }
    return out;
}

}  // namespace moe::imports
