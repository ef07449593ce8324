// Loads CSVs that name huge ids or overflow their sums (found by fuzz/fuzz_loads_csv.cpp): one
// row naming layer 100000 and expert 1000000 asked for an 800 GB matrix, and two rows of
// 2^63-1 tokens overflowed. Each is one error naming the file (and line).
#include <gtest/gtest.h>

#include "core/common/error.h"
#include "core/stats/loads_csv_reader.h"
#include "tests/core/workload/test_files.h"

namespace moe {
namespace {

std::string errorOf(const std::string& path) {
    try {
        readLoadsCsv(path);
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

TEST(LoadsCsvLimits, AFewRowsCannotAskForAHugeMatrix) {
    test::ScratchDir dir;
    const std::string path =
        dir.writePlain("loads.csv", "layer,expert,tokens\n0,0,5\n100000,1000000,1\n");
    const std::string m = errorOf(path);
    EXPECT_EQ(m.rfind(path + ": ids up to layer 100000 and expert 1000000 make a ", 0), 0u) << m;
    EXPECT_NE(m.find("the file gives only 2 (layer, expert) rows"), std::string::npos) << m;
}

TEST(LoadsCsvLimits, SparseButPlausibleFilesStillRead) {
    test::ScratchDir dir;
    const std::string path =
        dir.writePlain("loads.csv", "step,layer,expert,tokens\n0,0,0,5\n0,60,255,7\n");
    const LoadMatrix m = readLoadsCsv(path);
    EXPECT_EQ(m.layers(), 61);
    EXPECT_EQ(m.experts(), 256);
    EXPECT_EQ(m.at(60, 255), 7);
}

TEST(LoadsCsvLimits, SumsThatOverflowAreNamed) {
    test::ScratchDir dir;
    const std::string path = dir.writePlain(
        "loads.csv",
        "layer,expert,tokens\n0,0,9223372036854775807\n1,0,1\n0,0,9223372036854775807\n");
    EXPECT_EQ(errorOf(path), path + ":4: the tokens of layer 0, expert 0 overflow 64 bits");
}

}  // namespace
}  // namespace moe
