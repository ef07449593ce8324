// SGLang recorder dumps written by the real torch.save (tests/data/imports/make_fixtures.py):
// each mode reads back to exactly the counts and ids the script drew (expected.json), dense
// layers are left out with a note, and mixed or foreign files are named errors.
#include "core/imports/sglang_dump.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "core/common/error.h"
#include "tests/core/imports/import_fixtures.h"

namespace moe {
namespace {

const std::string kSglangDir = test::importFixture("");

// counts [passes, layers, experts] of the dump, with its dense layer 0 dropped.
std::vector<std::vector<int64_t>> withoutLayerZero(const nlohmann::json& counts) {
    std::vector<std::vector<int64_t>> out;
    for (const auto& pass : counts) {
        std::vector<int64_t> loads;
        for (size_t l = 1; l < pass.size(); ++l)
            for (const auto& c : pass[l]) loads.push_back(c.get<int64_t>());
        out.push_back(loads);
    }
    return out;
}

TEST(SglangDump, StatCountsWithoutTheDenseLayer) {
    const ImportedRouting r = readSglangDump({kSglangDir + "sglang_stat.pt"});
    EXPECT_EQ(r.format, "sglang stat");
    EXPECT_FALSE(r.perToken());
    EXPECT_EQ(r.experts, 8);
    EXPECT_EQ(r.layers, (std::vector<int>{1, 2, 3}));
    ASSERT_FALSE(r.notes.empty());
    EXPECT_NE(r.notes[0].find("dense"), std::string::npos) << r.notes[0];
    EXPECT_EQ(r.stepLoads,
              withoutLayerZero(test::expectedImport()["sglang_stat.pt"]["logical_count"]));
}

TEST(SglangDump, PerPassRanksSummedAndSlotsFolded) {
    // Either order of the rank files gives the same counts.
    for (const auto& files :
         {std::vector<std::string>{"sglang_per_pass_0.pt", "sglang_per_pass_1.pt"},
          std::vector<std::string>{"sglang_per_pass_1.pt", "sglang_per_pass_0.pt"}}) {
        const ImportedRouting r = readSglangDump({kSglangDir + files[0], kSglangDir + files[1]});
        EXPECT_EQ(r.format, "sglang per_pass");
        EXPECT_EQ(r.experts, 8);
        EXPECT_EQ(r.layers, (std::vector<int>{1, 2, 3}));
        EXPECT_EQ(r.stepLoads,
                  withoutLayerZero(test::expectedImport()["sglang_per_pass"]["logical_count"]));
    }
}

TEST(SglangDump, PerTokenIdsSequencesAndPositions) {
    const ImportedRouting r = readSglangDump({kSglangDir + "sglang_per_token_0.pt"});
    EXPECT_EQ(r.format, "sglang per_token");
    ASSERT_TRUE(r.perToken());
    EXPECT_EQ(r.topK, 2);
    EXPECT_EQ(r.layers, (std::vector<int>{0, 1, 2, 3}));
    ASSERT_EQ(r.tokens.size(), 7u);  // a prefill of 3 + 2 tokens, then 2 decode tokens
    EXPECT_EQ(r.steps(), 2);
    // Sequences: prefill splits 3 | 2, each decode token its own.
    const std::vector<int32_t> sequences{0, 0, 0, 1, 1, 2, 3};
    const std::vector<int32_t> positions{0, 1, 2, 0, 1, 3, 2};
    const nlohmann::json passes = test::expectedImport()["sglang_per_token"];
    size_t t = 0;
    for (size_t p = 0; p < passes.size(); ++p)
        for (size_t i = 0; i < passes[p]["input_ids"].size(); ++i, ++t) {
            const auto& tok = r.tokens[t];
            EXPECT_EQ(tok.step, static_cast<int64_t>(p));
            EXPECT_EQ(tok.sequence, sequences[t]);
            EXPECT_EQ(tok.position, positions[t]);
            EXPECT_EQ(tok.id, passes[p]["input_ids"][i].get<int32_t>());
            for (int l = 0; l < 4; ++l)
                for (int j = 0; j < 2; ++j)
                    EXPECT_EQ(r.ids[(t * 4 + l) * 2 + j], passes[p]["topk"][l][i][j].get<int32_t>())
                        << "token " << t << " layer " << l;
        }
    // Loads counted from the tokens: every pass's pairs per layer = tokens x k.
    const auto loads = r.loadsPerStep();
    ASSERT_EQ(loads.size(), 2u);
    int64_t pairs = 0;
    for (int e = 0; e < 8; ++e) pairs += loads[0][e];
    EXPECT_EQ(pairs, 5 * 2);
}

void expectError(const std::vector<std::string>& files, const std::string& needle) {
    try {
        readSglangDump(files);
        ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
}

TEST(SglangDump, MixedAndForeignFilesAreNamed) {
    expectError({kSglangDir + "mixed.pt"}, "not an SGLang expert-distribution dump");
    expectError({kSglangDir + "sglang_stat.pt", kSglangDir + "sglang_per_pass_0.pt"}, "one file");
    expectError({}, "no files");
    expectError({kSglangDir + "foreign_set.pt"}, "builtins.set");
}

// Random damage to real dumps of each mode: a value or a moe::Error, never a crash.
TEST(SglangDump, RandomDamageIsAnErrorOrAValue) {
    std::mt19937 rng(23);
    int errors = 0;
    for (const char* name : {"sglang_stat.pt", "sglang_per_pass_0.pt", "sglang_per_token_0.pt"}) {
        std::ifstream in(kSglangDir + name, std::ios::binary);
        const std::vector<char> clean{std::istreambuf_iterator<char>(in), {}};
        for (int trial = 0; trial < 150; ++trial) {
            std::vector<char> bytes = clean;
            for (int i = 0; i < 1 + static_cast<int>(rng() % 6); ++i)
                bytes[rng() % bytes.size()] = static_cast<char>(rng());
            const std::string path =
                (std::filesystem::temp_directory_path() / "moe_damaged_sglang.pt").string();
            std::ofstream(path, std::ios::binary)
                .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
            try {
                const ImportedRouting r = readSglangDump({path});
                (void)r.loadsPerStep();
            } catch (const Error&) {
                ++errors;
            }
            std::filesystem::remove(path);
        }
    }
    EXPECT_GT(errors, 100);
}

}  // namespace
}  // namespace moe
