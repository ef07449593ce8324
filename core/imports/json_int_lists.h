// Nested JSON lists of whole numbers ([[3,7],[1,7],...]) read straight from their text. The
// recordings hold little else (Megatron's top_indices, vLLM's routed experts), and simdjson's
// value-by-value walk spent 20-30 ns a number there; a scan of the array's own bytes (which
// simdjson has already found and bracket-matched) takes a few.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace moe {

struct IntLists {
    std::vector<int32_t> values;  // innermost numbers, in order, appended across calls
    // Items per list at each depth: counts[0] the outer list's, counts[d] every list at depth
    // d's (-1 until one is seen; lists at one depth must agree). Kept across calls, so a
    // second array must have the same inner shape.
    std::vector<int64_t> counts;
};

// Reads `text`, a JSON array nested `depth` deep (2 for [[1,2],[3,4]]) whose innermost items
// are whole numbers in [least, most], into `out`. Returns an empty string, or what is wrong
// ("a number out of range", "lists of 2 and 3 items at depth 1", ...), leaving `out` partly
// filled.
std::string readIntLists(std::string_view text, int depth, int64_t least, int64_t most,
                         IntLists& out);

}  // namespace moe
