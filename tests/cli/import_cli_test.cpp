// `import` on dumps the real torch.save wrote (tests/data/imports): per-token routing becomes a
// native trace whose `stats` give the very loads the dump holds; counts become a loads CSV;
// asking counts for a trace, or a foreign file, fails with the file named.
#include <nlohmann/json.hpp>

#include "cli_support.h"

namespace {

using namespace cli_test;

const std::string kImportsCliDir = std::string(MOE_SOURCE_DIR) + "/tests/data/imports/";

TEST(ImportCli, PerTokenDumpBecomesATraceWithTheSameLoads) {
    const fs::path trace = tempDir() / "imported.tsv.gz";
    Result r = cli("import " + quoted(kImportsCliDir + "sglang_per_token_0.pt") + " -o " +
                   quoted(trace.string()));
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("format: sglang per_token"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("tokens: 7"), std::string::npos) << r.out;
    r = cli("stats -w " + quoted("trace:" + trace.string()) + " --format json");
    ASSERT_EQ(r.code, 0) << r.out;
    const auto stats = nlohmann::json::parse(r.out);
    std::ifstream in(kImportsCliDir + "expected.json");
    const auto passes = nlohmann::json::parse(in)["sglang_per_token"];
    for (int l = 0; l < 4; ++l) {
        std::vector<int64_t> counts(8, 0);
        for (const auto& pass : passes)
            for (const auto& token : pass["topk"][l])
                for (const auto& e : token) ++counts[e.get<int>()];
        EXPECT_EQ(stats["layers"][l]["expert_loads"].get<std::vector<int64_t>>(), counts)
            << "layer " << l;
    }
}

TEST(ImportCli, CountsBecomeALoadsCsvNotATrace) {
    const fs::path csv = tempDir() / "imported_loads.csv";
    Result r =
        cli("import " + quoted(kImportsCliDir + "sglang_stat.pt") + " -o " + quoted(csv.string()));
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("dense layers"), std::string::npos) << r.out;
    std::ifstream in(csv);
    std::string header;
    std::getline(in, header);
    EXPECT_EQ(header, "step,layer,expert,tokens");
    int rows = 0;
    for (std::string line; std::getline(in, line);) ++rows;
    EXPECT_EQ(rows, 6 * 3 * 8);  // 6 passes x 3 MoE layers x 8 experts
    r = cli("import " + quoted(kImportsCliDir + "sglang_stat.pt") + " -o " +
            quoted((tempDir() / "counts.tsv.gz").string()));
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("counts only"), std::string::npos) << r.out;
}

// A dump is a workload as it stands: a folder of per-rank per_pass files drives run and whatif.
TEST(ImportCli, AFolderOfRankFilesIsAWorkload) {
    const fs::path folder = tempDir() / "per_pass_dump";
    fs::create_directories(folder);
    for (const char* f : {"sglang_per_pass_0.pt", "sglang_per_pass_1.pt"})
        fs::copy_file(kImportsCliDir + f, folder / f, fs::copy_options::overwrite_existing);
    Result r = cli("run -w " + quoted(folder.string()) + " -G 2 --no-db");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("sglang per_pass, counts routed exactly, top_k=2"), std::string::npos)
        << r.out;
    r = cli("whatif -w " + quoted(folder.string()) +
            " -p last --policy eplb --every 1 -G 2 --extra-slots 2 --no-db --format csv");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("\nlast,eplb,1,"), std::string::npos) << r.out;
}

// A plan for a recording, in the form SGLang's --init-expert-location reads; the recording's
// counts in its logical_count form.
TEST(ImportCli, PlansAndCountsInSglangsForms) {
    const fs::path folder = tempDir() / "per_pass_for_plan";
    fs::create_directories(folder);
    for (const char* f : {"sglang_per_pass_0.pt", "sglang_per_pass_1.pt"})
        fs::copy_file(kImportsCliDir + f, folder / f, fs::copy_options::overwrite_existing);
    Result r = cli("plan -w " + quoted(folder.string()) + " -G 2 --slots 10 --format sglang");
    ASSERT_EQ(r.code, 0) << r.out;
    const auto plan = nlohmann::json::parse(r.out);
    ASSERT_EQ(plan["physical_to_logical_map"].size(), 3u);  // the 3 MoE layers
    EXPECT_EQ(plan["physical_to_logical_map"][0].size(), 10u);
    EXPECT_EQ(plan["logical_count"][0].size(), 8u);
    const fs::path counts = tempDir() / "logical_count.json";
    r = cli("import " + quoted(folder.string()) + " -o " + quoted(counts.string()));
    ASSERT_EQ(r.code, 0) << r.out;
    std::ifstream in(counts);
    const auto j = nlohmann::json::parse(in);
    EXPECT_EQ(j["logical_count"].size(), 6u);  // passes
    EXPECT_EQ(j["logical_count"][0].size(), 3u);
}

TEST(ImportCli, ForeignFilesAreNamed) {
    Result r = cli("import " + quoted(kImportsCliDir + "mixed.pt"));
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("mixed.pt"), std::string::npos) << r.out;
    r = cli("import " + quoted(kImportsCliDir + "make_fixtures.py"));
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("not a recording this workbench knows"), std::string::npos) << r.out;
}

}  // namespace
