// Router logits saved as safetensors (tests/data/imports/make_fixtures.py; expected.json says
// whether the safetensors library or the spec-following writer made them): bfloat16 per-layer
// tensors in natural name order give each token's top-k, a stacked float32 file its dense
// top-k, and damaged headers and ranges are named errors.
#include "core/imports/safetensors_file.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/common/error.h"
#include "core/imports/import_routing.h"
#include "tests/core/imports/import_fixtures.h"

namespace moe {
namespace {

const std::string kSafetensorsDir = test::importFixture("safetensors/");

TEST(Safetensors, TensorsComeInNaturalNameOrder) {
    const auto arrays = readSafetensors(kSafetensorsDir + "router_logits_bf16.safetensors");
    ASSERT_EQ(arrays.size(), 4u);
    EXPECT_NE(arrays[2].path.find("model.layers.10.mlp.router"), std::string::npos)
        << "layers 1, 2, 10, 11: 10 is third, not second";
    EXPECT_EQ(arrays[0].dtype, "bf16");
    EXPECT_EQ(arrays[0].shape, (std::vector<int64_t>{3, 8}));
}

TEST(Safetensors, Bfloat16LogitsGiveEachTokensTopK) {
    const std::string path = kSafetensorsDir + "router_logits_bf16.safetensors";
    ASSERT_TRUE(isKnownRecording(path));
    const ImportedRouting r = importRouting({path}, 2);
    EXPECT_EQ(r.format, "router logits (.safetensors)");
    EXPECT_EQ(r.files, std::vector<std::string>{path});
    ASSERT_EQ(r.layers.size(), 4u);
    ASSERT_EQ(r.tokens.size(), 3u);
    const auto top = test::expectedImport("safetensors_bf16_top2");
    for (size_t t = 0; t < 3; ++t)
        for (size_t l = 0; l < 4; ++l)
            for (size_t j = 0; j < 2; ++j)
                EXPECT_EQ(r.ids[(t * 4 + l) * 2 + j], top[l][t][j].get<int32_t>());
    EXPECT_THROW(importRouting({path}), Error) << "raw logits need --top-k";
}

TEST(Safetensors, StackedDenseScoresCountTheirTopK) {
    const ImportedRouting r =
        importRouting({kSafetensorsDir + "router_scores_stacked.safetensors"});
    EXPECT_EQ(r.topK, 2);
    ASSERT_EQ(r.tokens.size(), 5u);
    const auto top =
        test::expectedImport("router_scores_top");  // the same scores as the .npy fixture
    for (size_t t = 0; t < 5; ++t)
        for (size_t l = 0; l < 4; ++l)
            for (size_t j = 0; j < 2; ++j)
                EXPECT_EQ(r.ids[(t * 4 + l) * 2 + j], top[l][t][j].get<int32_t>());
}

TEST(Safetensors, DamagedFilesAreNamed) {
    std::ifstream in(kSafetensorsDir + "router_scores_stacked.safetensors", std::ios::binary);
    const std::string good((std::istreambuf_iterator<char>(in)), {});
    uint64_t n = 0;
    std::memcpy(&n, good.data(), 8);
    const std::string header = good.substr(8, n), data = good.substr(8 + n);
    const std::string path =
        (std::filesystem::temp_directory_path() / "moe_damaged.safetensors").string();
    auto expectError = [&](const std::string& bytes, const std::string& needle) {
        std::ofstream(path, std::ios::binary) << bytes;
        try {
            readSafetensors(path);
            ADD_FAILURE() << "accepted";
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
        }
    };
    auto withHeader = [&](std::string h) {
        uint64_t size = h.size();
        return std::string(reinterpret_cast<char*>(&size), 8) + h + data;
    };
    expectError(good.substr(0, good.size() - 4), "do not match");  // truncated data
    expectError(good.substr(0, 20), "header of");
    expectError(withHeader("{\"x\": 1"), "not a JSON object");
    std::string f8 = header;
    f8.replace(f8.find("F32"), 3, "F8_E4M3");
    expectError(withHeader(f8), "F8_E4M3");
    std::string shape = header;
    shape.replace(shape.find("[4,5,8]"), 7, "[4,5,9]");
    expectError(withHeader(shape), "do not match");
    expectError(withHeader("{\"__metadata__\": {}}"), "no tensor");
    std::filesystem::remove(path);
}

}  // namespace
}  // namespace moe
