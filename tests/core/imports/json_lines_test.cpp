// JSON lines read in pieces on several threads (json_lines.h): every line is seen once, with
// its number in the whole file; the error reported is the file's first, after what came
// before it was merged; and the readers built on it give the same routing, and the same
// errors, in one piece or in several (MOE_IMPORT_THREADS cuts even these small files).
#include "core/imports/json_lines.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/common/error.h"
#include "core/imports/import_routing.h"
#include "core/imports/import_threads.h"
#include "tests/core/imports/import_fixtures.h"

namespace moe {
namespace {

// Sets MOE_IMPORT_THREADS for one scope.
struct Pieces {
    explicit Pieces(int n) { setenv("MOE_IMPORT_THREADS", std::to_string(n).c_str(), 1); }
    ~Pieces() { unsetenv("MOE_IMPORT_THREADS"); }
};

std::string writeLines(const std::string& name, const std::string& text) {
    const std::string path = (std::filesystem::temp_directory_path() / name).string();
    std::ofstream(path) << text;
    return path;
}

struct Seen {
    std::vector<std::vector<int64_t>> lines;  // per piece: (line number, value) pairs
    std::vector<int64_t> merged;
};

Seen readValues(const std::string& path) {
    Seen s;
    forEachJsonLineInPieces(
        path, [&](int n) { s.lines.resize(static_cast<size_t>(n)); },
        [&](int i, simdjson::ondemand::object& o, const JsonLine& line) {
            const int64_t v = jsonInteger(o["v"].value(), line, "v");
            if (v < 0) line.fail("negative");
            s.lines[static_cast<size_t>(i)].push_back(line.number * 1000 + v);
        },
        [&](int i) {
            for (int64_t x : s.lines[static_cast<size_t>(i)]) s.merged.push_back(x);
        });
    return s;
}

TEST(JsonLines, PiecesSeeEveryLineOnceNumberedInTheWholeFile) {
    std::string text;
    std::vector<int64_t> want;
    for (int i = 1; i <= 40; ++i) {
        text += i % 7 == 0 ? "  \n" : "{\"v\": " + std::to_string(i) + "}\n";  // blank lines
        if (i % 7) want.push_back(i * 1000 + i);
    }
    text.pop_back();  // the last line without its newline
    const std::string path = writeLines("moe_json_pieces.jsonl", text);
    for (int n : {1, 2, 3, 8, 64}) {
        Pieces pieces(n);
        const Seen s = readValues(path);
        EXPECT_EQ(s.lines.size(), static_cast<size_t>(n));
        EXPECT_EQ(s.merged, want) << n << " pieces";
    }
    std::filesystem::remove(path);
}

TEST(JsonLines, TheFirstErrorInTheFileIsReportedAfterWhatPrecededIt) {
    std::string text;
    for (int i = 1; i <= 30; ++i)
        text += "{\"v\": " + std::to_string(i == 11 || i == 25 ? -1 : i) + "}\n";
    const std::string path = writeLines("moe_json_pieces_bad.jsonl", text);
    for (int n : {1, 3, 5}) {
        Pieces pieces(n);
        Seen s;
        try {
            forEachJsonLineInPieces(
                path, [&](int k) { s.lines.resize(static_cast<size_t>(k)); },
                [&](int i, simdjson::ondemand::object& o, const JsonLine& line) {
                    if (jsonInteger(o["v"].value(), line, "v") < 0) line.fail("negative");
                    s.lines[static_cast<size_t>(i)].push_back(line.number);
                },
                [&](int i) {
                    for (int64_t x : s.lines[static_cast<size_t>(i)]) s.merged.push_back(x);
                });
            ADD_FAILURE() << "accepted";
        } catch (const Error& e) {
            EXPECT_EQ(std::string(e.what()), path + ":11: negative") << n << " pieces";
        }
        ASSERT_GE(s.merged.size(), 10u) << n << " pieces";
        for (int64_t i = 0; i < 10; ++i) EXPECT_EQ(s.merged[i], i + 1) << "lines before the error";
    }
    std::filesystem::remove(path);
}

TEST(JsonLines, ReadersGiveTheSameRoutingInOnePieceOrSeveral) {
    const std::string megatron = test::importFixture("megatron/");
    const std::string responses = test::importFixture("responses/");
    const std::vector<std::vector<std::string>> dumps = {
        {megatron + "router_trace_rank0.jsonl", megatron + "router_trace_rank1.jsonl"},
        {responses + "sglang_responses.jsonl"},
        {responses + "vllm_responses.jsonl"}};
    for (const auto& files : dumps) {
        ImportedRouting one;
        {
            Pieces pieces(1);
            one = importRouting(files);
        }
        for (int n : {2, 3, 7}) {
            Pieces pieces(n);
            const ImportedRouting several = importRouting(files);
            EXPECT_EQ(several.ids, one.ids) << files.front() << ", " << n << " pieces";
            EXPECT_EQ(several.tokens.size(), one.tokens.size());
            EXPECT_EQ(several.layers, one.layers);
            EXPECT_EQ(several.notes, one.notes);
        }
    }
}

// A record whose width differs from the ones before it is named at its own line, whether it
// sits in the same piece as the first record or in a later one.
TEST(JsonLines, AWidthChangeAcrossPiecesIsNamedAtItsLine) {
    std::string trace;
    for (int layer = 0; layer < 6; ++layer)
        trace += "{\"step\": 0, \"layer\": " + std::to_string(layer) +
                 ", \"top_indices\": " + (layer == 4 ? "[[1, 2, 3]]" : "[[1, 2]]") + "}\n";
    const std::string path = writeLines("moe_json_pieces_width.jsonl", trace);
    for (int n : {1, 2, 3, 6}) {
        Pieces pieces(n);
        try {
            importRouting({path});
            ADD_FAILURE() << "accepted";
        } catch (const Error& e) {
            EXPECT_EQ(std::string(e.what()), path + ":5: tokens route 3 and 2 experts")
                << n << " pieces";
        }
    }
    std::filesystem::remove(path);
    const std::string responses =
        writeLines("moe_json_pieces_responses.jsonl",
                   "{\"prompt_routed_experts\": [[[0, 1]]]}\n{\"prompt_routed_experts\": [[[0, 1], "
                   "[2, 3]]]}\n");
    for (int n : {1, 2}) {
        Pieces pieces(n);
        try {
            importRouting({responses});
            ADD_FAILURE() << "accepted";
        } catch (const Error& e) {
            EXPECT_EQ(std::string(e.what()),
                      responses + ":2: 4 ids per token, where " + responses + ":1 has 2")
                << n << " pieces";
        }
    }
    std::filesystem::remove(responses);
}

// Found in review: an exception in a piece escaped its thread (std::terminate). Every piece
// runs, and the lowest failing piece's error is the one thrown, after all have ended.
TEST(JsonLines, APieceThatThrowsIsRethrownOnTheCallingThread) {
    std::vector<int> ran(4, 0);
    try {
        imports::onEachPiece(4, [&](int i) {
            ran[static_cast<size_t>(i)] = 1;
            if (i >= 2) throw Error("piece " + std::to_string(i));
        });
        ADD_FAILURE() << "nothing thrown";
    } catch (const Error& e) {
        EXPECT_STREQ(e.what(), "piece 2");
    }
    EXPECT_EQ(ran, (std::vector<int>{1, 1, 1, 1}));
}

TEST(JsonLines, AnEmptyFileInPiecesHasNoLines) {
    const std::string path = writeLines("moe_json_pieces_empty.jsonl", "");
    Pieces pieces(3);
    const Seen s = readValues(path);
    EXPECT_EQ(s.lines.size(), 3u);
    EXPECT_TRUE(s.merged.empty());
    std::filesystem::remove(path);
}

}  // namespace
}  // namespace moe
