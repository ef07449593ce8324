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

}  // namespace
}  // namespace moe
