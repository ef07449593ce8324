// Server responses saved as JSON lines (tests/data/imports/make_fixtures.py writes them the
// way SGLang and vLLM return routed experts): every token's experts come back exactly, SGLang's
// dense layer is left out with its model numbers kept, top-k is inferred or given, and damaged
// lines are named by file and line.
#include "core/imports/response_dump.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/common/error.h"
#include "core/imports/base64.h"
#include "core/imports/import_routing.h"
#include "tests/core/imports/import_fixtures.h"

namespace moe {
namespace {

const std::string kResponsesDir = test::importFixture("responses/");

// Every token's ids equal requests[sequence][position] (layers x k).
void expectRouting(const ImportedRouting& r, const nlohmann::json& requests) {
    const size_t L = r.layers.size(), k = static_cast<size_t>(r.topK);
    size_t total = 0;
    for (const auto& q : requests) total += q.size();
    ASSERT_EQ(r.tokens.size(), total);
    for (size_t t = 0; t < r.tokens.size(); ++t) {
        const auto& tok = r.tokens[t];
        EXPECT_EQ(tok.position, tok.step) << "lockstep: token i of each request in step i";
        const auto& want = requests[tok.sequence][tok.position];
        for (size_t l = 0; l < L; ++l)
            for (size_t j = 0; j < k; ++j)
                EXPECT_EQ(r.ids[(t * L + l) * k + j], want[l][j].get<int32_t>());
    }
}

TEST(ResponseDump, SglangBase64RoutingRoundTripsWithoutItsDenseLayer) {
    const std::string path = kResponsesDir + "sglang_responses.jsonl";
    ASSERT_TRUE(isResponseDump(path));
    const ImportedRouting r = importRouting({path});
    EXPECT_EQ(r.format, "sglang responses (routed_experts)");
    EXPECT_EQ(r.topK, 2) << "inferred";
    EXPECT_EQ(r.layers, (std::vector<int>{1, 2, 3})) << "layer 0 is dense; numbers kept";
    EXPECT_EQ(r.steps(), 6) << "the longest request has 3 + 4 - 1 routed tokens";
    expectRouting(r, test::expectedImport("sglang_responses"));
    EXPECT_EQ(importRouting({path}, 2).ids, r.ids) << "--top-k 2 agrees with the inference";
}

TEST(ResponseDump, VllmNestedListsKeepPromptThenGeneratedTokens) {
    const ImportedRouting r = importRouting({kResponsesDir + "vllm_responses.jsonl"});
    EXPECT_EQ(r.format, "vllm responses (routed_experts)");
    EXPECT_EQ(r.topK, 2);
    EXPECT_EQ(r.layers.size(), 4u);
    expectRouting(r, test::expectedImport("vllm_responses"));
}

TEST(ResponseDump, Base64DecodesTheStandardAlphabetAndRefusesTheRest) {
    EXPECT_EQ(imports::decodeBase64("TWFu"), "Man");
    EXPECT_EQ(imports::decodeBase64("TWE="), "Ma");
    EXPECT_EQ(imports::decodeBase64("TQ=="), "M");
    EXPECT_EQ(imports::decodeBase64(""), "");
    EXPECT_FALSE(imports::decodeBase64("TWF"));
    EXPECT_FALSE(imports::decodeBase64("TW=u"));
    EXPECT_FALSE(imports::decodeBase64("TW!u"));
    EXPECT_EQ(imports::decodeBase64("TWFuTWE="), "ManMa") << "groups before the last";
    EXPECT_FALSE(imports::decodeBase64("TW!uTWFu")) << "a bad character before the last group";
    EXPECT_FALSE(imports::decodeBase64("T=FuTWFu")) << "padding in the middle";
    EXPECT_FALSE(imports::decodeBase64("TWF\xffTWFu")) << "a byte outside ASCII";
}

// vLLM writes the prompt's routing first; a response with the generated tokens' first must
// still come out prompt first (the reader moves it in front only then).
TEST(ResponseDump, PromptRoutingLeadsWhicheverFieldComesFirst) {
    const std::string path =
        (std::filesystem::temp_directory_path() / "moe_responses_order.jsonl").string();
    std::ofstream(path) << R"({"choices": [{"routed_experts": [[[2, 3]], [[3, 0]]]}],)"
                        << R"( "prompt_routed_experts": [[[0, 1]]]})" << '\n'
                        << R"({"prompt_routed_experts": [[[1, 2]]],)"
                        << R"( "choices": [{"routed_experts": [[[0, 3]]]}]})" << '\n';
    const ImportedRouting r = readResponseDump({path}, 0);
    std::filesystem::remove(path);
    ASSERT_EQ(r.tokens.size(), 5u);
    // Lockstep: step 0 holds token 0 of both requests, then their next tokens.
    EXPECT_EQ(r.ids, (std::vector<int32_t>{0, 1, 1, 2, 2, 3, 0, 3, 3, 0}));
}

TEST(ResponseDump, DamagedLinesAreNamedByFileAndLine) {
    const std::string path =
        (std::filesystem::temp_directory_path() / "moe_responses_damaged.jsonl").string();
    std::ifstream in(kResponsesDir + "sglang_responses.jsonl");
    std::string first;
    std::getline(in, first);
    auto expectError = [&](const std::string& text, const std::string& needle, int topK = 0) {
        std::ofstream(path) << first << '\n' << text << '\n';
        try {
            readResponseDump({path}, topK);
            ADD_FAILURE() << "accepted: " << text;
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find(path + ":2"), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
        }
    };
    expectError(first.substr(0, first.size() / 2), "not valid JSON");
    expectError(R"({"meta_info": {"routed_experts": "AAA*", "prompt_tokens": 1,)"
                R"( "completion_tokens": 1}})",
                "base64");
    expectError(R"({"meta_info": {"routed_experts": "AAAAAA==", "prompt_tokens": 2,)"
                R"( "completion_tokens": 1}})",
                "do not split");
    expectError(R"({"meta_info": {"routed_experts": "AAAAAAEAAAA="}})", "prompt_tokens");
    expectError(R"({"meta_info": {"routed_experts": "AAAAAAEAAAA=", "prompt_tokens": 1,)"
                R"( "completion_tokens": 2}})",
                "ids per token");
    expectError(R"({"text": "no routing"})", "--enable-return-routed-experts");
    std::filesystem::remove(path);
}

}  // namespace
}  // namespace moe
