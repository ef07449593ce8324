// moe::Error's text: "file:line: problem", with control bytes a user's input carried written as
// \xNN so they never reach the terminal raw; the message's own line breaks stay.
#include "core/common/error.h"

#include <gtest/gtest.h>

#include <string>

namespace moe {
namespace {

TEST(Error, NamesFileAndLine) {
    EXPECT_STREQ(Error::inFile("t.tsv", 3, "bad id").what(), "t.tsv:3: bad id");
    EXPECT_STREQ(Error::inFile("t.tsv", 0, "empty").what(), "t.tsv: empty");
    EXPECT_EQ(Error::inFile("t.tsv", 3, "x").line(), 3);
}

TEST(Error, ControlBytesAreEscaped) {
    const std::string value = std::string("a\x1b[31mred\0b\r\x7f", 13);
    const Error e = Error::inFile("f.csv", 2, "bad value '" + value + "'");
    EXPECT_STREQ(e.what(), "f.csv:2: bad value 'a\\x1b[31mred\\x00b\\x0d\\x7f'");
    EXPECT_STREQ(Error("two\nlines\tand a tab").what(), "two\nlines\tand a tab");
    EXPECT_STREQ(Error("caf\xc3\xa9").what(), "caf\xc3\xa9");  // UTF-8 stays
}

// A 100,000-digit value once came back whole in "not a whole number" messages.
TEST(Error, HugeValuesAreCutInTheMiddle) {
    const std::string digits(100000, '7');
    const std::string what =
        Error::inFile("f.csv", 2, "count '" + digits + "1' is too large").what();
    EXPECT_LT(what.size(), 400u) << what.substr(0, 400);
    EXPECT_EQ(what.rfind("f.csv:2: count '777", 0), 0u) << what.substr(0, 80);
    EXPECT_NE(what.find("...(99743 bytes cut)..."), std::string::npos) << what.substr(0, 400);
    EXPECT_NE(what.find("7771' is too large"), std::string::npos);
    // Short words stay whole; a long line of short words is capped as a whole.
    const std::string words = [] {
        std::string w;
        for (int i = 0; i < 5000; ++i) w += "word" + std::to_string(i) + " ";
        return w;
    }();
    const std::string capped = Error("line: " + words).what();
    EXPECT_LT(capped.size(), 8300u);
    EXPECT_EQ(capped.rfind("line: word0 word1 ", 0), 0u);
    EXPECT_NE(capped.find("bytes cut"), std::string::npos);
    // A cut never splits a UTF-8 character.
    std::string accents;
    for (int i = 0; i < 1000; ++i) accents += "\xc3\xa9";
    const std::string cut = Error(accents).what();
    const size_t mark = cut.find("...(");
    ASSERT_NE(mark, std::string::npos);
    EXPECT_EQ(mark % 2, 0u);
    EXPECT_EQ(static_cast<unsigned char>(cut[mark - 2]), 0xc3u);
}

}  // namespace
}  // namespace moe
