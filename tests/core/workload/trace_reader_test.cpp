// Parsing of well-formed traces: fields, separators, line endings, gzip and plain files, chunk
// boundaries, and the shape sidecar.
#include "core/workload/trace_reader.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/common/error.h"
#include "core/workload/chunked_gzip_reader.h"
#include "tests/core/workload/test_files.h"

namespace moe {
namespace {

struct Token {
    int32_t seq, pos;
    std::vector<int32_t> ids;
};

std::vector<Token> readTokens(const std::string& path, const TraceShape& shape) {
    TraceReader reader(path, shape);
    std::vector<Token> out;
    TraceRecord r;
    while (reader.next(r)) {
        EXPECT_EQ(r.line, static_cast<int64_t>(out.size()) + 1);
        out.push_back({r.sequenceId, r.position, {r.experts.begin(), r.experts.end()}});
    }
    return out;
}

TEST(TraceReader, ParsesLinesOfPlainFile) {
    test::ScratchDir dir;
    const auto path = dir.writePlain("t.tsv", "3\t10\t0 1 2 3\n3\t11\t3 2 1 0\n");
    const auto tokens = readTokens(path, TraceShape{2, 4, 2});
    ASSERT_EQ(tokens.size(), 2u);
    EXPECT_EQ(tokens[0].seq, 3);
    EXPECT_EQ(tokens[0].pos, 10);
    EXPECT_EQ(tokens[0].ids, (std::vector<int32_t>{0, 1, 2, 3}));
    EXPECT_EQ(tokens[1].pos, 11);
    EXPECT_EQ(tokens[1].ids, (std::vector<int32_t>{3, 2, 1, 0}));
}

TEST(TraceReader, ParsesRealGptOssLines) {
    // The first two lines of the GPT-OSS-20B trace, verbatim.
    const std::string text =
        "0\t101\t31 21 22 6 18 29 12 9 29 8 4 31 7 1 9 19 6 20 23 15 24 14 0 26 5 10 2 9 5 13 24 "
        "19 24 13 17 0 8 21 19 14 26 10 5 23 30 9 24 18 1 23 21 3 9 19 15 21 9 24 10 18 31 13 28 "
        "25 24 31 22 20 21 4 5 11 30 18 1 24 7 22 19 0 7 12 24 2 7 30 26 16 17 26 23 14 14 19 1 "
        "23\n"
        "0\t102\t4 5 3 9 19 28 5 1 21 26 18 31 27 2 0 7 15 6 18 22 24 6 10 22 14 9 3 24 5 9 4 29 "
        "17 20 5 25 8 15 19 16 10 7 23 19 24 5 4 30 8 26 23 28 1 9 4 15 12 18 0 3 13 10 18 25 26 "
        "31 13 4 11 12 5 4 1 24 29 4 3 19 13 15 23 22 24 12 30 3 14 23 16 14 20 13 16 28 23 20\n";
    test::ScratchDir dir;
    const auto path = dir.writeGzip("real.tsv.gz", text);
    const auto tokens = readTokens(path, TraceShape{24, 32, 4});
    ASSERT_EQ(tokens.size(), 2u);
    EXPECT_EQ(tokens[0].seq, 0);
    EXPECT_EQ(tokens[0].pos, 101);
    ASSERT_EQ(tokens[0].ids.size(), 96u);
    EXPECT_EQ((std::vector<int32_t>(tokens[0].ids.begin(), tokens[0].ids.begin() + 4)),
              (std::vector<int32_t>{31, 21, 22, 6}));  // layer 0
    EXPECT_EQ(tokens[0].ids[95], 23);                  // layer 23, slot 3
    EXPECT_EQ(tokens[1].pos, 102);
    EXPECT_EQ(tokens[1].ids[4], 19);  // layer 1, slot 0
}

TEST(TraceReader, ToleratesCrlfExtraSpacesAndNoFinalNewline) {
    test::ScratchDir dir;
    const auto path = dir.writePlain("t.tsv", "1\t0\t0  1\t2 3 \r\n1 1 1 0 3 2");
    const auto tokens = readTokens(path, TraceShape{2, 4, 2});
    ASSERT_EQ(tokens.size(), 2u);
    EXPECT_EQ(tokens[0].ids, (std::vector<int32_t>{0, 1, 2, 3}));
    EXPECT_EQ(tokens[1].ids, (std::vector<int32_t>{1, 0, 3, 2}));
}

TEST(TraceReader, ReadsGzipAcrossManyChunks) {
    // Larger than one 1 MiB chunk, so lines straddle chunk boundaries.
    std::string text;
    const int lines = 40000;
    for (int n = 0; n < lines; ++n) {
        text += std::to_string(n / 100) + "\t" + std::to_string(n % 100) + "\t";
        for (int l = 0; l < 8; ++l)
            for (int j = 0; j < 4; ++j)
                text += std::to_string((n + l + j * 5) % 64) + (l == 7 && j == 3 ? "\n" : " ");
    }
    ASSERT_GT(text.size(), 2u << 20);
    test::ScratchDir dir;
    const auto path = dir.writeGzip("big.tsv.gz", text);
    const auto tokens = readTokens(path, TraceShape{8, 64, 4});
    ASSERT_EQ(tokens.size(), static_cast<size_t>(lines));
    for (int n = 0; n < lines; n += 997) {
        EXPECT_EQ(tokens[n].seq, n / 100);
        EXPECT_EQ(tokens[n].pos, n % 100);
        EXPECT_EQ(tokens[n].ids[31], (n + 7 + 15) % 64);
    }
}

TEST(ChunkedGzipReader, ChunksHoldWholeLinesEvenWhenALineIsLongerThanAChunk) {
    std::string text;
    for (int n = 0; n < 500; ++n) text += std::string(static_cast<size_t>(n % 150), 'x') + "\n";
    text += "tail-without-newline";
    test::ScratchDir dir;
    const auto path = dir.writeGzip("lines.gz", text);
    ChunkedGzipReader reader(path, 64);
    std::string joined;
    std::span<const char> chunk;
    while (reader.nextChunk(chunk, 0)) {
        const std::string piece(chunk.begin(), chunk.end());
        const bool last = joined.size() + piece.size() == text.size();
        if (!last) {
            EXPECT_EQ(piece.back(), '\n');
        }
        joined += piece;
    }
    EXPECT_EQ(joined, text);
}

TEST(ChunkedGzipReader, StopsCleanlyWhenAbandonedEarly) {
    std::string text;
    for (int n = 0; n < 100000; ++n) text += "line " + std::to_string(n) + "\n";
    test::ScratchDir dir;
    const auto path = dir.writeGzip("lines.gz", text);
    ChunkedGzipReader reader(path, 4096);
    std::span<const char> chunk;
    ASSERT_TRUE(reader.nextChunk(chunk, 0));
    // Destructor joins the producer, which is blocked on a full queue.
}

TEST(TraceShape, SidecarPathReplacesTheTraceSuffix) {
    EXPECT_EQ(shapeSidecarPath("d/name.tsv.gz"), "d/name.shape");
    EXPECT_EQ(shapeSidecarPath("d/name.tsv"), "d/name.shape");
    EXPECT_EQ(shapeSidecarPath("d/name.txt.gz"), "d/name.txt.shape");
    EXPECT_EQ(shapeSidecarPath("name"), "name.shape");
}

TEST(TraceShape, ReadsSidecarAndAppliesOverrides) {
    test::ScratchDir dir;
    const auto trace = dir.writePlain("t.tsv.gz", "");
    dir.writePlain("t.shape", "# GPT-OSS\nexperts=32   top_k=4 layers=24\n\n");
    EXPECT_EQ(resolveTraceShape(trace, {}), (TraceShape{24, 32, 4}));
    EXPECT_EQ(resolveTraceShape(trace, {12, std::nullopt, 2}), (TraceShape{12, 32, 2}));
}

// A trace imported from a recording that left dense layers out keeps the model's numbers;
// overriding the layer count drops them, since they would no longer match.
TEST(TraceShape, SidecarCarriesTheModelsLayerNumbers) {
    test::ScratchDir dir;
    const auto trace = dir.writePlain("t.tsv.gz", "");
    dir.writePlain("t.shape", "layers=3 experts=8 top_k=2 model_layers=1,2,5 step_tokens=7,1,7\n");
    const TraceShape shape = resolveTraceShape(trace, {});
    EXPECT_EQ(shape.modelLayers, (std::vector<int>{1, 2, 5}));
    EXPECT_EQ(shape.stepTokens, (std::vector<int64_t>{7, 1, 7}));
    EXPECT_TRUE(resolveTraceShape(trace, {2, std::nullopt, std::nullopt}).modelLayers.empty());
    EXPECT_EQ(resolveTraceShape(trace, {3, std::nullopt, std::nullopt}).modelLayers,
              (std::vector<int>{1, 2, 5}));
}

TEST(TraceShape, FullOverrideNeedsNoSidecar) {
    test::ScratchDir dir;
    const auto trace = dir.writePlain("t.tsv", "");
    EXPECT_EQ(resolveTraceShape(trace, {2, 8, 2}), (TraceShape{2, 8, 2}));
}

TEST(TraceShape, RejectsOverrideThatMakesTopKExceedExperts) {
    test::ScratchDir dir;
    const auto trace = dir.writePlain("t.tsv", "");
    EXPECT_THROW(resolveTraceShape(trace, {2, 4, 5}), Error);
    EXPECT_THROW(resolveTraceShape(trace, {0, 4, 2}), Error);
}

}  // namespace
}  // namespace moe
