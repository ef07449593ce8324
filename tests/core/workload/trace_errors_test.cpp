// Every kind of broken trace must end in a moe::Error saying which file, which line and what is
// wrong, never in a crash or a silently short replay.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>

#include "core/common/error.h"
#include "core/workload/trace_reader.h"
#include "core/workload/trace_shape.h"
#include "tests/core/workload/test_files.h"

namespace moe {
namespace {

const TraceShape kShape{2, 4, 2};  // 2 layers, 4 experts, top-2: 4 ids per line

// Runs `action`, which must throw moe::Error "PATH:LINE: ...problem..." (or "PATH: ..." for
// line 0).
void expectError(const std::function<void()>& action, const std::string& path, int64_t line,
                 const std::string& problem) {
    try {
        action();
        ADD_FAILURE() << "no error; expected " << path << ":" << line << ": " << problem;
    } catch (const Error& e) {
        const std::string what = e.what();
        const std::string prefix =
            line > 0 ? path + ":" + std::to_string(line) + ": " : path + ": ";
        EXPECT_EQ(what.rfind(prefix, 0), 0u) << what;
        EXPECT_NE(what.find(problem), std::string::npos) << what;
        EXPECT_EQ(e.file(), path);
        EXPECT_EQ(e.line(), line);
    }
}

int64_t countRecords(const std::string& path, const TraceShape& shape = kShape) {
    TraceReader reader(path, shape);
    TraceRecord r;
    int64_t n = 0;
    while (reader.next(r)) ++n;
    return n;
}

// Writes `text` both plain and gzip-compressed and checks both give the same error.
void expectLineError(const std::string& text, int64_t line, const std::string& problem) {
    test::ScratchDir dir;
    const auto plain = dir.writePlain("bad.tsv", text);
    expectError([&] { countRecords(plain); }, plain, line, problem);
    const auto gz = dir.writeGzip("bad.tsv.gz", text);
    expectError([&] { countRecords(gz); }, gz, line, problem);
}

const std::string kGood = "0\t0\t0 1 2 3\n";

TEST(TraceErrors, TooFewIds) {
    expectLineError(kGood + "0\t1\t0 1 2\n", 2, "expected 4 expert ids (2 layers x top-2), got 3");
}

TEST(TraceErrors, TooManyIds) {
    expectLineError(kGood + kGood.substr(0, 2) + "1\t0 1 2 3 0\n", 2,
                    "too many fields: expected 4 expert ids (2 layers x top-2), got 5");
}

TEST(TraceErrors, TruncatedLineWithOnlySequenceId) {
    expectLineError(kGood + "0\n", 2, "truncated line");
}

TEST(TraceErrors, TruncatedLineWithNoIds) {
    expectLineError(kGood + "0\t1\n", 2, "expected 4 expert ids (2 layers x top-2), got 0");
}

TEST(TraceErrors, NonNumericExpertId) {
    expectLineError(kGood + "0\t1\t0 1 2 3\n0\t2\t0 x1 2 3\n", 3,
                    "expert id field 2 'x1' is not a non-negative integer");
}

TEST(TraceErrors, NonNumericSequenceIdAndPosition) {
    expectLineError("seq\t0\t0 1 2 3\n", 1, "seq_id 'seq' is not a non-negative integer");
    expectLineError("0\t1.5\t0 1 2 3\n", 1, "pos '1.5' is not a non-negative integer");
}

TEST(TraceErrors, NegativeAndHugeNumbers) {
    expectLineError("0\t0\t0 -1 2 3\n", 1, "'-1' is not a non-negative integer");
    expectLineError("0\t0\t0 1 2 99999999999\n", 1, "'99999999999' is not a non-negative integer");
}

TEST(TraceErrors, ExpertIdOutOfRange) {
    expectLineError(kGood + "0\t1\t0 1 2 4\n", 2,
                    "expert id 4 out of range [0, 4) at layer 1, slot 1");
}

TEST(TraceErrors, DuplicateExpertWithinOneLayer) {
    expectLineError(kGood + "0\t1\t0 1 3 3\n", 2,
                    "duplicate expert 3 in layer 1's top-2 (slots 0 and 1)");
}

TEST(TraceErrors, SameExpertInTwoLayersIsFine) {
    test::ScratchDir dir;
    EXPECT_EQ(countRecords(dir.writePlain("ok.tsv", "0\t0\t0 1 0 1\n")), 1);
}

TEST(TraceErrors, BlankLineInTheMiddle) {
    expectLineError(kGood + "\n0\t1\t0 1 2 3\n", 2, "empty line");
}

// Fields are tab-separated: two tabs with nothing (or only spaces) between them are an empty
// field, not one wide separator; reading on would shift every later field into the wrong slot.
TEST(TraceErrors, EmptyField) {
    expectLineError(kGood + "0\t\t1\t0 1 2 3\n", 2, "empty field 2 (two tabs in a row)");
    expectLineError(kGood + "0\t1\t\t0 1 2 3\n", 2, "empty field 3 (two tabs in a row)");
    expectLineError(kGood + "0\t1 \t \t0 1 2 3\n", 2, "empty field 3 (two tabs in a row)");
    expectLineError(kGood + "0\t1\t0 1 2 3\t\n", 2, "empty field 4 (the line ends with a tab)");
    expectLineError(kGood + "\t0\t1\t0 1 2 3\n", 2, "empty field 1 (the line starts with a tab)");
    // Ids split over tab-separated fields are fine as long as none is empty.
    test::ScratchDir dir;
    EXPECT_EQ(countRecords(dir.writePlain("ok.tsv", "0\t0\t0 1\t2 3\n")), 1);
}

TEST(TraceErrors, PositionsMustBeConsecutive) {
    expectLineError(kGood + "0\t2\t0 1 2 3\n", 2,
                    "position 2 of sequence 0 does not follow position 0");
}

TEST(TraceErrors, SequenceMayNotReappear) {
    expectLineError(kGood + "1\t0\t0 1 2 3\n0\t1\t0 1 2 3\n", 3,
                    "sequence 0 reappears after sequence 1 started");
}

TEST(TraceErrors, EmptyPlainFile) {
    test::ScratchDir dir;
    const auto path = dir.writePlain("empty.tsv", "");
    expectError([&] { countRecords(path); }, path, 0, "empty");
}

TEST(TraceErrors, EmptyGzipStream) {
    test::ScratchDir dir;
    const auto path = dir.writeGzip("empty.tsv.gz", "");
    expectError([&] { countRecords(path); }, path, 0, "empty trace");
}

TEST(TraceErrors, GzNameButNotGzipData) {
    test::ScratchDir dir;
    const auto path = dir.writePlain("plain.tsv.gz", kGood);
    expectError([&] { countRecords(path); }, path, 0, "not gzip data");
}

TEST(TraceErrors, MissingFileAndDirectory) {
    test::ScratchDir dir;
    const auto missing = dir.path("nope.tsv.gz");
    expectError([&] { countRecords(missing); }, missing, 0, "no such file");
    const auto folder = dir.path("folder.tsv.gz");
    std::filesystem::create_directories(folder);
    expectError([&] { countRecords(folder); }, folder, 0, "is a directory");
}

std::string manyLines(int n) {
    std::string text;
    for (int i = 0; i < n; ++i)
        text += "0\t" + std::to_string(i) + "\t" + std::to_string(i % 4) + " " +
                std::to_string((i + 1) % 4) + " 2 3\n";
    return text;
}

// A damaged stream is reported at the first line that could not be inflated; the lines before
// it are delivered (a damaged trailer is found after the last line).
void expectStreamError(const std::string& path, int64_t totalLines, const std::string& problem) {
    TraceReader reader(path, kShape);
    TraceRecord r;
    int64_t ok = 0;
    try {
        while (reader.next(r)) ++ok;
        ADD_FAILURE() << "a damaged gzip stream was read as if whole";
    } catch (const Error& e) {
        EXPECT_LE(ok, totalLines);  // all of them when only the trailer is damaged
        EXPECT_EQ(e.line(), ok + 1);
        const std::string what = e.what();
        EXPECT_EQ(what.rfind(path + ":" + std::to_string(ok + 1) + ": ", 0), 0u) << what;
        EXPECT_NE(what.find(problem), std::string::npos) << what;
    }
}

TEST(TraceErrors, TruncatedGzipStream) {
    test::ScratchDir dir;
    const auto good = dir.writeGzip("good.tsv.gz", manyLines(20000));
    std::string bytes = test::readBytes(good);
    const auto path = dir.writePlain("cut.tsv.gz", bytes.substr(0, bytes.size() / 2));
    expectStreamError(path, 20000, "truncated gzip stream");
    // Truncation keeps what was inflated: most of the first half is read before the error.
    TraceReader reader(path, kShape);
    TraceRecord r;
    int64_t ok = 0;
    EXPECT_THROW(while (reader.next(r))++ ok, Error);
    EXPECT_GT(ok, 1000);
}

TEST(TraceErrors, GzipChecksumMismatch) {
    test::ScratchDir dir;
    std::string bytes = test::readBytes(dir.writeGzip("good.tsv.gz", manyLines(50)));
    bytes[bytes.size() - 8] ^= 0x55;  // the CRC-32 in the gzip trailer
    const auto path = dir.writePlain("crc.tsv.gz", bytes);
    expectStreamError(path, 50, "corrupt gzip stream");
}

// zlib's gzread ignored whatever followed the gzip stream, so a bad line could hide there.
TEST(TraceErrors, BytesAfterTheGzipStreamAreAnError) {
    test::ScratchDir dir;
    const std::string good = test::readBytes(dir.writeGzip("good.tsv.gz", manyLines(50)));
    const auto path = dir.writePlain("tail.tsv.gz", good + "0\t50\t9 9 9 9\n");
    expectStreamError(
        path, 51, "bytes after the end of the gzip stream, at byte " + std::to_string(good.size()));
    // One stray byte, and a lone 0x1f that starts no member.
    expectStreamError(dir.writePlain("one.tsv.gz", good + "x"), 50, "bytes after the end");
    expectStreamError(dir.writePlain("magic.tsv.gz", good + "\x1f"), 50, "bytes after the end");
}

// Members written one after another (`cat a.gz b.gz`, pigz) are one stream, as gzip reads them.
TEST(TraceErrors, ConcatenatedGzipMembersReadAsOneTrace) {
    test::ScratchDir dir;
    const std::string all = manyLines(300);
    const size_t cut = all.find('\n', all.size() / 2) + 1;
    const std::string first = test::readBytes(dir.writeGzip("a.tsv.gz", all.substr(0, cut)));
    const std::string second = test::readBytes(dir.writeGzip("b.tsv.gz", all.substr(cut)));
    const auto path = dir.writePlain("ab.tsv.gz", first + second);
    TraceReader reader(path, kShape);
    TraceRecord r;
    int64_t n = 0;
    while (reader.next(r)) ++n;
    EXPECT_EQ(n, 300);
}

TEST(TraceErrors, GarbledDeflateDataNeverCrashes) {
    test::ScratchDir dir;
    const std::string good = test::readBytes(dir.writeGzip("good.tsv.gz", manyLines(5000)));
    for (int seed = 0; seed < 20; ++seed) {
        std::string bytes = good;
        for (int i = 0; i < 8; ++i)
            bytes[20 + (seed * 7919 + i * 104729) % (bytes.size() - 40)] ^= 0x5a;
        const auto path = dir.writePlain("garbled.tsv.gz", bytes);
        try {
            countRecords(path);
            ADD_FAILURE() << "garbled stream read without error (seed " << seed << ")";
        } catch (const Error& e) {
            EXPECT_EQ(std::string(e.what()).rfind(path + ":", 0), 0u) << e.what();
        }
    }
}

TEST(TraceErrors, SidecarMissing) {
    test::ScratchDir dir;
    const auto trace = dir.writePlain("t.tsv.gz", "");
    expectError([&] { resolveTraceShape(trace, {}); }, trace, 0, "trace shape unknown");
    // A partial override still needs the sidecar for the rest.
    expectError(
        [&] {
            resolveTraceShape(trace, {24, 32, std::nullopt});
        },
        trace, 0, "trace shape unknown");
}

TEST(TraceErrors, SidecarBadContents) {
    test::ScratchDir dir;
    const auto trace = dir.writePlain("t.tsv.gz", "");
    const auto sidecar = dir.path("t.shape");
    struct Case {
        std::string text;
        int64_t line;
        std::string problem;
    } cases[] = {
        {"layers=24 experts=32\n", 1, "lacks top_k"},
        {"layers=24 experts=32 topk=4\n", 1, "unknown shape key 'topk'"},
        {"layers=24 experts=thirty top_k=4\n", 1, "bad shape value experts=thirty"},
        {"layers=24 experts=32 top_k=0\n", 1, "bad shape value top_k=0"},
        {"layers=24 experts=4 top_k=8\n", 1, "top_k (8) exceeds experts (4)"},
        {"# c\nlayers=24 experts=32 top_k=4 layers=2\n", 2, "given twice"},
        {"layers=24\nexperts=32 top_k=4\n", 2, "unexpected second shape line"},
        {"layers 24\n", 1, "expected key=value"},
        {"", 1, "lacks layers"},
        {"layers=3 experts=8 top_k=2 model_layers=1,2\n", 1, "model_layers names 2 layers"},
        {"layers=2 experts=8 top_k=2 model_layers=1,1\n", 1, "bad model_layers '1,1'"},
        {"layers=2 experts=8 top_k=2 model_layers=1,-3\n", 1, "bad model_layers"},
        {"layers=2 experts=8 top_k=2 model_layers=1,,2\n", 1, "bad model_layers"},
        {"layers=2 experts=8 top_k=2 model_layers=1,2,\n", 1, "bad model_layers"},
        {"layers=2 experts=8 top_k=2 model_layers=\n", 1, "bad model_layers"},
        {"layers=2 experts=8 top_k=2 step_tokens=4,0\n", 1, "bad step_tokens '4,0'"},
        {"layers=2 experts=8 top_k=2 step_tokens=4,x\n", 1, "bad step_tokens"},
        {"layers=2 experts=8 top_k=2 step_tokens=99999999\n", 1, "beyond 16777216"},
    };
    for (const Case& c : cases) {
        dir.writePlain("t.shape", c.text);
        expectError([&] { resolveTraceShape(trace, {}); }, sidecar, c.line, c.problem);
    }
}

}  // namespace
}  // namespace moe
