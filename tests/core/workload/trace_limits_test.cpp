// Trace and workload inputs from the fuzz targets (fuzz/): a sidecar whose layers x top_k
// overflows an int, a trace line of megabytes with no newline (gzip makes it a few KB), and the
// synthetic spec's typos (an empty item, negative steps, tables of absurd size). Each is one
// moe::Error naming the file (and line) or the spec's key.
#include <gtest/gtest.h>

#include "core/common/error.h"
#include "core/workload/synthetic_workload.h"
#include "core/workload/trace_reader.h"
#include "core/workload/trace_shape.h"
#include "core/workload/workload_factory.h"
#include "tests/core/common/error_of.h"
#include "tests/core/workload/test_files.h"

namespace moe {
namespace {

using test::errorOf;

TEST(TraceLimits, SidecarWhoseIdsPerTokenOverflowIsRefused) {
    test::ScratchDir dir;
    const std::string path =
        dir.writePlain("t.shape", "layers=1048576 experts=1048576 top_k=1048576\n");
    EXPECT_EQ(errorOf([&] { readShapeSidecar(path); }),
              path + ":1: layers x top_k = 1099511627776 expert ids per token, more than 1048576");
    EXPECT_EQ(errorOf([&] {
                  validateTraceShape({4096, 1024, 512, {}}, "t.tsv");
              }),
              "t.tsv: invalid trace shape: layers x top_k = 2097152 expert ids per token, more "
              "than 1048576");
}

TEST(TraceLimits, ALineOfMegabytesWithoutNewlineIsAnErrorAtItsLine) {
    test::ScratchDir dir;
    std::string text = "0\t0\t1 2\t3 4\n0\t1\t";
    for (int i = 0; i < (3 << 20); ++i) text += "1 ";
    const std::string path = dir.writeGzip("long.tsv.gz", text);
    TraceReader reader(path, {2, 8, 2, {}});
    TraceRecord record;
    ASSERT_TRUE(reader.next(record));
    EXPECT_EQ(errorOf([&] { reader.next(record); }),
              path +
                  ":2: a line longer than 1048576 bytes without a newline; not a trace of "
                  "this shape?");
}

TEST(TraceLimits, SyntheticSpecTyposAreErrors) {
    WorkloadOptions options;
    EXPECT_EQ(errorOf([&] { parseSyntheticSpec("skew=3,,drift=0.1", options); }),
              "synthetic workload: empty item in 'skew=3,,drift=0.1' (expected "
              "key=value,key=value)");
    EXPECT_EQ(errorOf([&] { parseSyntheticSpec("steps=5,", options); }),
              "synthetic workload: empty item in 'steps=5,' (expected key=value,key=value)");
    options.maxSteps = 10;  // once hid a negative value by taking its place
    EXPECT_EQ(errorOf([&] { parseSyntheticSpec("steps=-1", options); }),
              "synthetic workload: steps must be 0 (unlimited) or more, got -1");
    EXPECT_EQ(parseSyntheticSpec("", options).steps, 10);  // no keys: all defaults
}

TEST(TraceLimits, SyntheticTablesOfAbsurdSizeAreRefused) {
    SyntheticParams p;
    p.layers = 4096;
    p.experts = 65536;
    p.topK = 1;
    p.skew = 1;
    EXPECT_EQ(errorOf([&] { SyntheticWorkload w(p); }),
              "synthetic workload: layers x experts must be at most 16777216, got 268435456");
    p.layers = 100000;
    EXPECT_EQ(errorOf([&] { SyntheticWorkload w(p); }),
              "synthetic workload: layers must be from 1 to 4096, got 100000");
    p.layers = 2;
    p.experts = 1000000;
    EXPECT_EQ(errorOf([&] { SyntheticWorkload w(p); }),
              "synthetic workload: experts must be from 1 to 65536, got 1000000");
    // synthetic:tokens=100000000 ran on, drawing 10^8 tokens a step.
    p.experts = 8;
    p.tokensPerStep = 100000000;
    EXPECT_EQ(errorOf([&] { SyntheticWorkload w(p); }),
              "synthetic workload: tokens must be from 1 to 1048576, got 100000000");
    p.tokensPerStep = 64;
    p.layers = 64;
    p.experts = 1024;
    p.hiddenDim = 65536;
    EXPECT_EQ(errorOf([&] { SyntheticWorkload w(p); }),
              "synthetic workload: layers x experts x hidden must be at most 268435456, got "
              "4294967296");
}

}  // namespace
}  // namespace moe
