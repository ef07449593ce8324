// Megatron-Core's router trace and tokens-per-expert JSON lines (written by
// tests/data/imports/make_fixtures.py in the records' documented layout): ranks merged, MTP
// heads kept apart, counts exactly as drawn, and damaged lines named by file and line.
#include "core/imports/megatron_dump.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/common/error.h"
#include "tests/core/imports/import_fixtures.h"

namespace moe {
namespace {

const std::string kMegatronDir = test::importFixture("megatron/");

TEST(MegatronDump, RouterTraceRanksMergedPerStep) {
    const ImportedRouting r = readMegatronDump(
        {kMegatronDir + "router_trace_rank0.jsonl", kMegatronDir + "router_trace_rank1.jsonl"});
    EXPECT_EQ(r.format, "megatron router trace");
    EXPECT_EQ(r.topK, 2);
    EXPECT_EQ(r.layers, (std::vector<int>{0, 1, 2}));
    ASSERT_EQ(r.tokens.size(), 10u);  // 2 steps x (3 + 2) tokens
    const auto trace = test::expectedImport("megatron_router_trace");
    for (size_t t = 0; t < r.tokens.size(); ++t) {
        const int64_t step = r.tokens[t].step;
        const size_t i = t - static_cast<size_t>(step) * 5;
        for (int l = 0; l < 3; ++l) {
            const auto& want = trace[std::to_string(step) + ":" + std::to_string(l)][i];
            EXPECT_EQ(r.ids[(t * 3 + l) * 2], want[0].get<int32_t>());
            EXPECT_EQ(r.ids[(t * 3 + l) * 2 + 1], want[1].get<int32_t>());
        }
    }
    bool mtpNote = false;
    for (const auto& n : r.notes) mtpNote |= n.find("multi-token-prediction") != std::string::npos;
    EXPECT_TRUE(mtpNote);
}

TEST(MegatronDump, TokensPerExpertRanksHoldTheirLocalExperts) {
    const ImportedRouting r = readMegatronDump({kMegatronDir + "tokens_per_expert/rank0.jsonl",
                                                kMegatronDir + "tokens_per_expert/rank1.jsonl"});
    EXPECT_EQ(r.experts, 8);
    EXPECT_FALSE(r.perToken());
    ASSERT_EQ(r.stepLoads.size(), 2u);
    const auto totals = test::expectedImport("megatron_tokens_per_expert");
    int s = 0;
    for (const char* iter : {"10", "20"}) {
        for (int l = 0; l < 3; ++l)
            for (int e = 0; e < 8; ++e)
                EXPECT_EQ(r.stepLoads[s][l * 8 + e],
                          totals[std::string(iter) + ":" + std::to_string(l)][e].get<int64_t>());
        ++s;
    }
}

TEST(MegatronDump, DamagedLinesAreNamed) {
    const std::string path =
        (std::filesystem::temp_directory_path() / "router_trace_rank9.jsonl").string();
    std::ifstream in(kMegatronDir + "router_trace_rank0.jsonl");
    std::string first, second;
    std::getline(in, first);
    std::getline(in, second);
    auto expectError = [&](const std::string& text, const std::string& needle) {
        std::ofstream(path) << first << '\n' << text << '\n';
        try {
            readMegatronDump({path});
            ADD_FAILURE() << "accepted: " << text;
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find(path + ":2"), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
        }
    };
    expectError(second.substr(0, second.size() / 2), "not valid JSON");
    expectError("[1, 2]", "not a JSON object");
    expectError(R"({"step": 0, "layer": 1, "top_indices": [[1, "x"]]})", "expert id");
    expectError(R"({"step": 0, "layer": 1, "top_indices": [[1, 2, 3]]})", "experts");
    expectError(R"({"layer": 1, "top_indices": [[1, 2]]})", "'step'");
    std::filesystem::remove(path);
}

}  // namespace
}  // namespace moe
