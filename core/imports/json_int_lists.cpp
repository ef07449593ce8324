// See json_int_lists.h. A small state machine over the bytes: '[' goes a level down, ']' up,
// ',' separates, and at the innermost level digits make numbers. Anything else (strings,
// floats, objects, a wrong nesting) is refused with what it was. The scan runs over every
// number of a recording (tens of millions), so its steps return a code, not a message: the
// message is built once, when something is wrong.
#include "core/imports/json_int_lists.h"

#include <bit>
#include <cstring>

namespace moe {

namespace {

enum class Problem { None, NotList, NotNumber, OutOfRange, Unclosed, Uneven };

inline bool space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The value of eight decimal digits (each byte 0-9, the first at the lowest address; leading
// zero bytes are leading zeros): pairs, then fours, then the eight, in three multiplications.
inline uint64_t eightDigits(uint64_t v) {
    v = v * 10 + (v >> 8);
    constexpr uint64_t kMask = 0x000000FF000000FF, kMul1 = 0x000F424000000064,
                       kMul2 = 0x0000271000000001;
    return ((v & kMask) * kMul1 + ((v >> 16) & kMask) * kMul2) >> 32;
}

// How many of the eight bytes of `w` from the lowest address are digits, up to the first that
// is not (8: all are). Each byte XOR '0' is 0-9 exactly for a digit; the test below sets a
// byte's top bit for 10-255 without a carry into the next byte.
inline int leadingDigits(uint64_t w, uint64_t& digits) {
    constexpr uint64_t kTop = 0x8080808080808080, kZeros = 0x3030303030303030;
    digits = w ^ kZeros;
    const uint64_t nonDigit = (((digits & ~kTop) + 0x7676767676767676) | digits) & kTop;
    return std::countr_zero(nonDigit) >> 3;  // 64 >> 3 = 8 when every byte is a digit
}

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
    Problem add(int64_t v) {
        if (v < least || v > most) {
            badValue = v;
            valueKnown = true;
            return Problem::OutOfRange;
        }
        out.values.push_back(static_cast<int32_t>(v));
        return Problem::None;
    }
    Problem list(int level);
};

// A number of 1-7 digits with 8 bytes to read is read in one word, without a branch per digit,
// whose mispredictions on a mix of one- and two-digit ids cost a third of the scan (a loop over
// one top_indices line of the import bench's Megatron trace: 6.1-7.9 against 4.9-5.2 ns a
// number). Any other goes digit by digit, with the same checks.
Problem Scan::number() {
    static_assert(std::endian::native == std::endian::little,
                  "the word's first byte is its lowest");
    if (end - p >= 8) {
        uint64_t w, digits;
        std::memcpy(&w, p, sizeof w);
        const int n = leadingDigits(w, digits);
        if (n >= 1 && n <= 7 && p[n] != '.' && p[n] != 'e' && p[n] != 'E') {
            p += n;
            return add(static_cast<int64_t>(eightDigits(digits << (64 - 8 * n))));
        }
    }
    const bool negative = p < end && *p == '-';
    if (negative) ++p;
    const char* start = p;
    int64_t v = 0;
    while (p < end && static_cast<unsigned>(*p - '0') < 10) {
        if (v > (int64_t{1} << 40)) return Problem::OutOfRange;
        v = v * 10 + (*p++ - '0');
    }
    if (p == start || (p < end && (*p == '.' || *p == 'e' || *p == 'E'))) return Problem::NotNumber;
    return add(negative ? -v : v);
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
