// See json_int_lists.h. A small state machine over the bytes: '[' goes a level down, ']' up,
// ',' separates, and at the innermost level digits make numbers. Anything else (strings,
// floats, objects, a wrong nesting) is refused with what it was. The scan runs over every
// number of a recording (tens of millions), so its steps return a code, not a message: the
// message is built once, when something is wrong.
#include "core/imports/json_int_lists.h"

namespace moe {

namespace {

enum class Problem { None, NotList, NotNumber, OutOfRange, Unclosed, Uneven };

inline bool space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

struct Scan {
    const char* p;
    const char* end;
    int depth;
    int64_t least, most;
    IntLists& out;
    int64_t badValue = 0;  // the number out of range, when it was read whole
    bool valueKnown = false;
    int64_t seenItems = 0, items = 0;  // an uneven list's two lengths
    int unevenLevel = 0;

    void skipSpace() {
        while (p < end && space(*p)) ++p;
    }
    Problem number();
    Problem list(int level);
};

Problem Scan::number() {
    const bool negative = p < end && *p == '-';
    if (negative) ++p;
    const char* start = p;
    int64_t v = 0;
    while (p < end && static_cast<unsigned>(*p - '0') < 10) {
        if (v > (int64_t{1} << 40)) return Problem::OutOfRange;
        v = v * 10 + (*p++ - '0');
    }
    if (p == start || (p < end && (*p == '.' || *p == 'e' || *p == 'E'))) return Problem::NotNumber;
    if (negative) v = -v;
    if (v < least || v > most) {
        badValue = v;
        valueKnown = true;
        return Problem::OutOfRange;
    }
    out.values.push_back(static_cast<int32_t>(v));
    return Problem::None;
}

// One list at `level` (0 = the outer one), from its '['.
Problem Scan::list(int level) {
    skipSpace();
    if (p >= end || *p != '[') return Problem::NotList;
    ++p;
    int64_t n = 0;
    skipSpace();
    if (p < end && *p == ']') {
        ++p;
    } else {
        const bool innermost = level + 1 == depth;
        for (;;) {
            const Problem problem = innermost ? number() : list(level + 1);
            if (problem != Problem::None) return problem;
            ++n;
            skipSpace();
            if (p < end && *p == ',') {
                ++p;
                skipSpace();
                continue;
            }
            if (p < end && *p == ']') {
                ++p;
                break;
            }
            return Problem::Unclosed;
        }
    }
    int64_t& seen = out.counts[static_cast<size_t>(level)];
    if (level > 0 && seen >= 0 && seen != n) {
        seenItems = seen;
        items = n;
        unevenLevel = level;
        return Problem::Uneven;
    }
    seen = n;
    return Problem::None;
}

std::string describe(Problem problem, const Scan& scan, int level) {
    switch (problem) {
        case Problem::None:
            return {};
        case Problem::NotList:
            return "an item at depth " + std::to_string(level) + " that is not a list";
        case Problem::NotNumber:
            return "an item that is not a whole number";
        case Problem::OutOfRange:
            return scan.valueKnown ? "a number out of range (" + std::to_string(scan.badValue) + ")"
                                   : "a number out of range";
        case Problem::Unclosed:
            return "a list that does not close";
        case Problem::Uneven:
            return "lists of " + std::to_string(scan.seenItems) + " and " +
                   std::to_string(scan.items) + " items at depth " +
                   std::to_string(scan.unevenLevel);
    }
    return "an unreadable list";
}

}  // namespace

std::string readIntLists(std::string_view text, int depth, int64_t least, int64_t most,
                         IntLists& out) {
    out.counts.resize(static_cast<size_t>(depth), -1);
    Scan scan{text.data(), text.data() + text.size(), depth, least, most, out};
    const char* const start = scan.p;
    Problem problem = scan.list(0);
    // The depth of a list that is not one: counted back from where the scan stopped.
    int level = 0;
    if (problem == Problem::NotList)
        for (const char* q = start; q < scan.p; ++q) level += *q == '[' ? 1 : *q == ']' ? -1 : 0;
    std::string message = describe(problem, scan, level);
    scan.skipSpace();
    if (message.empty() && scan.p != scan.end) message = "text after the list";
    return message;
}

}  // namespace moe
