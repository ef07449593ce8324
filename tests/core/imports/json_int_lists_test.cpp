// The nested-integer-list scanner behind Megatron's top_indices and vLLM's routed experts:
// numbers and shapes as written, every malformed form refused with what it was.
#include "core/imports/json_int_lists.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <random>
#include <string>

namespace moe {
namespace {

using Refusal = std::pair<const char*, const char*>;  // the text, what its message says

// Each text read as lists of lists of numbers in [0, most] is refused, saying why.
void expectRefused(std::initializer_list<Refusal> cases, int64_t most) {
    for (const auto& [text, needle] : cases) {
        IntLists l;
        const std::string problem = readIntLists(text, 2, 0, most, l);
        EXPECT_NE(problem.find(needle), std::string::npos) << text << " -> " << problem;
    }
}

TEST(JsonIntLists, ReadsNumbersAndTheShape) {
    IntLists l;
    EXPECT_EQ(readIntLists(" [ [3, 7] ,[1,7],\n[0, 12] ] ", 2, 0, 100, l), "");
    EXPECT_EQ(l.values, (std::vector<int32_t>{3, 7, 1, 7, 0, 12}));
    EXPECT_EQ(l.counts, (std::vector<int64_t>{3, 2}));
    // A second array appends and must keep the inner shape.
    EXPECT_EQ(readIntLists("[[5,6]]", 2, 0, 100, l), "");
    EXPECT_EQ(l.values.size(), 8u);
    EXPECT_EQ(l.counts[0], 1);
    EXPECT_NE(readIntLists("[[5,6,7]]", 2, 0, 100, l).find("lists of 2 and 3 items at depth 1"),
              std::string::npos);
}

TEST(JsonIntLists, ThreeDeepWithNegativesAndEmptyOuter) {
    IntLists l;
    EXPECT_EQ(readIntLists("[[[1,-1]],[[2,3]]]", 3, -1, 10, l), "");
    EXPECT_EQ(l.values, (std::vector<int32_t>{1, -1, 2, 3}));
    EXPECT_EQ(l.counts, (std::vector<int64_t>{2, 1, 2}));
    IntLists empty;
    EXPECT_EQ(readIntLists("[]", 3, 0, 10, empty), "");
    EXPECT_EQ(empty.counts[0], 0);
    EXPECT_EQ(empty.counts[1], -1);
}

TEST(JsonIntLists, RefusesWhatIsNotAListOfWholeNumbers) {
    expectRefused(
        {
            {"[[1, \"x\"]]", "not a whole number"},
            {"[[1.5]]", "not a whole number"},
            {"[[1e3]]", "not a whole number"},
            {"[[1, 200]]", "out of range (200)"},
            {"[[99999999999999999999]]", "out of range"},
            {"[[-1]]", "out of range (-1)"},
            {"[1, 2]", "not a list"},
            {"[[1, 2]", "does not close"},
            {"[[1 2]]", "does not close"},
            {"[[1, 2], [3]]", "lists of 2 and 1 items"},
            {"[[1]] x", "text after the list"},
            {"[[[1]]]", "not a whole number"},
            {"", "not a list"},
        },
        100);
}

// Long lists take the word-at-a-time path (8 bytes left to read): numbers of every length from
// 1 to 10 digits, negatives, and every spacing JSON allows read as written; a float, an
// exponent or a number out of range in the middle of a long list is still refused.
TEST(JsonIntLists, LongListsOfEveryNumberLength) {
    std::mt19937_64 random(7);
    std::vector<int32_t> expected;
    std::string text = "[";
    const char* separators[] = {", ", ",", " , ", ",\n  ", "\t,\t"};
    for (int row = 0; row < 500; ++row) {
        text += row ? std::string(separators[row % 5]) + "[" : "[";
        for (int j = 0; j < 4; ++j) {
            const int digits = 1 + static_cast<int>(random() % 10);
            int64_t v = static_cast<int64_t>(random() % 2000000000);
            for (int d = digits; d < 10; ++d) v /= 10;
            if (random() % 10 == 0) v = -v;
            expected.push_back(static_cast<int32_t>(v));
            text += (j ? separators[(row + j) % 5] : "") + std::to_string(v);
        }
        text += "]";
    }
    text += "]";
    IntLists l;
    ASSERT_EQ(readIntLists(text, 2, -2000000000, 2000000000, l), "");
    EXPECT_EQ(l.values, expected);
    EXPECT_EQ(l.counts, (std::vector<int64_t>{500, 4}));

    expectRefused(
        {
            {"[[1, 2, 3], [4, 5, 6], [7, 8.5, 9], [10, 11, 12]]", "not a whole number"},
            {"[[1, 2, 3], [4, 5, 6], [7, 8e2, 9], [10, 11, 12]]", "not a whole number"},
            {"[[1, 2, 3], [4, 5, 6], [7, 1234567, 9], [10, 11, 12]]", "out of range (1234567)"},
            {"[[1, 2, 3], [4, 5, 6], [7, 12345678901, 9], [10, 11, 12]]", "out of range"},
            {"[[1, 2, 3], [4, 5, 6], [7, 8 9], [10, 11, 12]]", "does not close"},
        },
        100000);
}

}  // namespace
}  // namespace moe
