// See json_int_lists.h. A small state machine over the bytes: '[' goes a level down, ']' up,
// ',' separates, and at the innermost level digits make numbers. Anything else (strings,
// floats, objects, a wrong nesting) is refused with what it was.
#include "core/imports/json_int_lists.h"

namespace moe {

namespace {

bool space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

struct Scan {
    std::string_view text;
    size_t at = 0;
    int depth;
    int64_t least, most;
    IntLists& out;

    void skipSpace() {
        while (at < text.size() && space(text[at])) ++at;
    }
    std::string number();
    std::string list(int level);
};

std::string Scan::number() {
    const bool negative = at < text.size() && text[at] == '-';
    if (negative) ++at;
    const size_t start = at;
    int64_t v = 0;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
        if (v > (int64_t{1} << 40)) return "a number out of range";
        v = v * 10 + (text[at++] - '0');
    }
    if (at == start) return "an item that is not a whole number";
    if (at < text.size() && (text[at] == '.' || text[at] == 'e' || text[at] == 'E'))
        return "an item that is not a whole number";
    if (negative) v = -v;
    if (v < least || v > most) return "a number out of range (" + std::to_string(v) + ")";
    out.values.push_back(static_cast<int32_t>(v));
    return {};
}

// One list at `level` (0 = the outer one), from its '['.
std::string Scan::list(int level) {
    skipSpace();
    if (at >= text.size() || text[at] != '[')
        return "an item at depth " + std::to_string(level) + " that is not a list";
    ++at;
    int64_t items = 0;
    skipSpace();
    if (at < text.size() && text[at] == ']') {
        ++at;
    } else {
        for (;;) {
            skipSpace();
            std::string problem = level + 1 < depth ? list(level + 1) : number();
            if (!problem.empty()) return problem;
            ++items;
            skipSpace();
            if (at < text.size() && text[at] == ',') {
                ++at;
                continue;
            }
            if (at < text.size() && text[at] == ']') {
                ++at;
                break;
            }
            return "a list that does not close";
        }
    }
    int64_t& seen = out.counts[static_cast<size_t>(level)];
    if (level > 0 && seen >= 0 && seen != items)
        return "lists of " + std::to_string(seen) + " and " + std::to_string(items) +
               " items at depth " + std::to_string(level);
    seen = items;
    return {};
}

}  // namespace

std::string readIntLists(std::string_view text, int depth, int64_t least, int64_t most,
                         IntLists& out) {
    out.counts.resize(static_cast<size_t>(depth), -1);
    Scan scan{text, 0, depth, least, most, out};
    std::string problem = scan.list(0);
    scan.skipSpace();
    if (problem.empty() && scan.at != text.size()) problem = "text after the list";
    return problem;
}

}  // namespace moe
