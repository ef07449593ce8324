// See text_table.h.
#include "app/cli/text_table.h"

#include <algorithm>
#include <cstdio>

namespace moe::cli {

void TextTable::print(std::ostream& out, const std::string& indent) const {
    std::vector<size_t> width(header_.size(), 0);
    for (size_t c = 0; c < header_.size(); ++c) width[c] = header_[c].size();
    for (const auto& r : rows_)
        for (size_t c = 0; c < r.size() && c < width.size(); ++c)
            width[c] = std::max(width[c], r[c].size());
    auto line = [&](const std::vector<std::string>& r) {
        out << indent;
        for (size_t c = 0; c < width.size(); ++c) {
            const std::string cell = c < r.size() ? r[c] : "";
            const std::string pad(width[c] - cell.size(), ' ');
            const bool left = c == 0 || (c < left_.size() && left_[c]);
            const bool last = c + 1 == width.size();
            out << (left ? cell + (last ? "" : pad) : pad + cell) << (last ? "" : "  ");
        }
        out << '\n';
    };
    line(header_);
    size_t total = 0;
    for (size_t w : width) total += w + 2;
    out << indent << std::string(total > 2 ? total - 2 : 0, '-') << '\n';
    for (const auto& r : rows_) line(r);
}

std::string fixed(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string grouped(long long v) {
    std::string digits = std::to_string(v < 0 ? -v : v), out;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return v < 0 ? "-" + out : out;
}

std::string seconds(double s) {
    if (s < 1e-3) return fixed(s * 1e6, 0) + " us";
    if (s < 1) return fixed(s * 1e3, 1) + " ms";
    return fixed(s, 2) + " s";
}

}  // namespace moe::cli
