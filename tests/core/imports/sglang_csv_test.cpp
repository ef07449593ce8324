// SGLang's older per-rank CSV dumps (written by tests/data/imports/make_fixtures.py with the
// csv module): ranks of one timestamp sum into one step, timestamps become steps in order, the
// dense layer is left out with the others keeping their numbers, and bad rows are named.
#include "core/imports/sglang_csv.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/common/error.h"
#include "core/imports/import_routing.h"
#include "tests/core/imports/import_fixtures.h"

namespace moe {
namespace {

const std::string kSglangCsvDir = test::importFixture("sglang_csv");

TEST(SglangCsv, RanksOfADumpSumIntoOneStepPerTimestamp) {
    ASSERT_TRUE(isSglangCsv(kSglangCsvDir + "/expert_distribution_rank0_timestamp1700000100.csv"));
    const ImportedRouting r = importRouting({kSglangCsvDir});  // the folder: four files
    EXPECT_EQ(r.format, "sglang per-rank csv");
    EXPECT_EQ(r.files.size(), 4u);
    EXPECT_FALSE(r.perToken());
    EXPECT_EQ(r.experts, 8);
    EXPECT_EQ(r.layers, (std::vector<int>{1, 2, 3}));
    std::ifstream in(std::string(MOE_SOURCE_DIR) + "/tests/data/imports/expected.json");
    const auto dumps = nlohmann::json::parse(in)["sglang_csv"];
    ASSERT_EQ(r.stepLoads.size(), 2u);
    for (size_t s = 0; s < 2; ++s)
        for (size_t l = 0; l < 3; ++l)
            for (size_t e = 0; e < 8; ++e)
                EXPECT_EQ(r.stepLoads[s][l * 8 + e], dumps[s][l][e].get<int64_t>());
}

TEST(SglangCsv, BadRowsAreNamedByFileAndLine) {
    const std::string path =
        (std::filesystem::temp_directory_path() / "expert_distribution_rank0.csv").string();
    auto expectError = [&](const std::string& text, const std::string& needle) {
        std::ofstream(path) << text;
        try {
            readSglangCsv({path});
            ADD_FAILURE() << "accepted: " << text;
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find(path + ":"), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
        }
    };
    expectError("layer_id,expert_id,count\n1,2,3\n1,x,3\n", ":3: not layer_id");
    expectError("layer_id,expert_id,count\n1,2,-3\n", ":2: not layer_id");
    expectError("layer_id,expert_id,count\n1,2,3,4\n", ":2: not layer_id");
    expectError("layer_id,expert_id,count\n1,2000000,3\n", ":2: not layer_id");
    expectError("layer_id,expert_id,count\n1,2,9223372036854775807\n1,2,1\n",
                ":3: the counts overflow");
    expectError("layer_id,expert_id,count\n1,2,0\n", "no layer counts");
    expectError("layer,expert,count\n", ":1: expected the header");
    std::filesystem::remove(path);
}

}  // namespace
}  // namespace moe
