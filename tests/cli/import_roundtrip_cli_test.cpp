// Round trips of every import format, each on a fixture the real library wrote
// (tests/data/imports/make_fixtures.py): a per-token recording read as it stands and the native
// trace `import` made of it give the same `stats` to the last field; a counts-only recording's
// loads CSV and logical_count JSON hold exactly the loads `stats` reads from the dump.
#include <nlohmann/json.hpp>

#include "cli_support.h"

namespace {

using namespace cli_test;

const std::string kRoundTripDir = std::string(MOE_SOURCE_DIR) + "/tests/data/imports/";

struct Recording {
    std::string name;  // a test label
    std::vector<std::string>
        files;           // relative to kRoundTripDir; several are copied into one folder
    std::string flags;   // what the recording does not say (router logits' top-k)
    std::string replay;  // the batching `import` says replays its steps
};

// The recording as one path: the file itself, or a scratch folder holding its files.
std::string pathOf(const Recording& r) {
    if (r.files.size() == 1) return kRoundTripDir + r.files.front();
    const fs::path folder = tempDir() / ("recording_" + r.name);
    fs::create_directories(folder);
    for (const auto& f : r.files)
        fs::copy_file(kRoundTripDir + f, folder / fs::path(f).filename(),
                      fs::copy_options::overwrite_existing);
    return folder.string();
}

nlohmann::json statsOf(const std::string& workload, const std::string& flags) {
    const Result r = cli("stats -w " + quoted(workload) + " " + flags + " --format json");
    EXPECT_EQ(r.code, 0) << workload << ": " << r.out;
    if (r.code != 0) return {};
    auto j = nlohmann::json::parse(r.out);
    j.erase("workload");  // names the source, which differs by design
    return j;
}

const std::string kRecorded = "--batching recorded";

const std::vector<Recording> kPerToken = {
    {"sglang_per_token", {"sglang_per_token_0.pt"}, "", kRecorded},
    {"megatron_router_trace",
     {"megatron/router_trace_rank0.jsonl", "megatron/router_trace_rank1.jsonl"},
     "",
     kRecorded},
    {"npy_routed_experts",
     {"npy/request_0.npy", "npy/request_1.npy"},
     "",
     "--batching continuous -B 2"},
    {"npy_router_logits",
     {"npy/logits_per_layer/layer_00.npy", "npy/logits_per_layer/layer_01.npy",
      "npy/logits_per_layer/layer_02.npy", "npy/logits_per_layer/layer_03.npy"},
     "--top-k 2",
     kRecorded},
    {"npy_router_scores_stacked", {"npy/router_scores_stacked.npy"}, "", kRecorded},
    {"safetensors_bf16_logits",
     {"safetensors/router_logits_bf16.safetensors"},
     "--top-k 2",
     kRecorded},
    {"safetensors_scores_stacked",
     {"safetensors/router_scores_stacked.safetensors"},
     "",
     kRecorded},
    {"sglang_responses", {"responses/sglang_responses.jsonl"}, "", "--batching continuous -B 3"},
    {"vllm_responses", {"responses/vllm_responses.jsonl"}, "", "--batching continuous -B 2"},
};

TEST(ImportRoundTrip, EveryPerTokenFormatGivesTheSameStatsAsItsNativeTrace) {
    for (const Recording& rec : kPerToken) {
        SCOPED_TRACE(rec.name);
        const std::string path = pathOf(rec);
        const fs::path trace = tempDir() / (rec.name + ".tsv.gz");
        const Result r =
            cli("import " + quoted(path) + " " + rec.flags + " -o " + quoted(trace.string()));
        ASSERT_EQ(r.code, 0) << r.out;
        EXPECT_NE(r.out.find("replay its recorded steps with " + rec.replay + "\n"),
                  std::string::npos)
            << r.out;
        const auto fromDump = statsOf(path, rec.flags);
        const auto fromTrace = statsOf("trace:" + trace.string(), rec.replay);
        ASSERT_FALSE(fromDump.empty());
        EXPECT_GT(fromDump["tokens"].get<int64_t>(), 0);
        EXPECT_EQ(fromDump, fromTrace);
    }
}

// Per layer and expert, the summed rows of a loads CSV.
std::map<std::pair<int, int>, int64_t> csvTotals(const fs::path& csv) {
    std::ifstream in(csv);
    std::string line;
    std::getline(in, line);
    EXPECT_EQ(line, "step,layer,expert,tokens");
    std::map<std::pair<int, int>, int64_t> totals;
    while (std::getline(in, line)) {
        int step = 0, layer = 0, expert = 0;
        long long tokens = 0;
        EXPECT_EQ(std::sscanf(line.c_str(), "%d,%d,%d,%lld", &step, &layer, &expert, &tokens), 4)
            << line;
        totals[{layer, expert}] += tokens;
    }
    return totals;
}

const std::vector<Recording> kCounts = {
    {"sglang_stat", {"sglang_stat.pt"}, ""},
    {"sglang_per_pass", {"sglang_per_pass_0.pt", "sglang_per_pass_1.pt"}, ""},
    {"sglang_csv",
     {"sglang_csv/expert_distribution_rank0_timestamp1700000100.csv",
      "sglang_csv/expert_distribution_rank0_timestamp1700000200.csv",
      "sglang_csv/expert_distribution_rank1_timestamp1700000100.csv",
      "sglang_csv/expert_distribution_rank1_timestamp1700000200.csv"},
     ""},
    {"megatron_tokens_per_expert",
     {"megatron/tokens_per_expert/rank0.jsonl", "megatron/tokens_per_expert/rank1.jsonl"},
     ""},
};

TEST(ImportRoundTrip, EveryCountsFormatExportsTheLoadsItRuns) {
    for (const Recording& rec : kCounts) {
        SCOPED_TRACE(rec.name);
        const std::string path = pathOf(rec);
        const fs::path csv = tempDir() / (rec.name + "_loads.csv");
        const fs::path counts = tempDir() / (rec.name + "_counts.json");
        ASSERT_EQ(cli("import " + quoted(path) + " -o " + quoted(csv.string())).code, 0);
        ASSERT_EQ(cli("import " + quoted(path) + " -o " + quoted(counts.string())).code, 0);
        const auto stats = statsOf(path, "");
        ASSERT_FALSE(stats.empty());
        const auto totals = csvTotals(csv);
        std::ifstream in(counts);
        const auto logical = nlohmann::json::parse(in)["logical_count"];
        for (size_t l = 0; l < stats["layers"].size(); ++l) {
            const auto loads = stats["layers"][l]["expert_loads"].get<std::vector<int64_t>>();
            for (size_t e = 0; e < loads.size(); ++e) {
                int64_t summed = 0;
                for (const auto& step : logical) summed += step[l][e].get<int64_t>();
                const auto it = totals.find({static_cast<int>(l), static_cast<int>(e)});
                EXPECT_EQ(it == totals.end() ? 0 : it->second, loads[e]) << l << "/" << e;
                EXPECT_EQ(summed, loads[e]) << l << "/" << e;
            }
        }
    }
}

// SGLang counts every hidden layer; its dense layer 0 is left out and the others keep their
// numbers in `stats`, and through `import` into a native trace.
TEST(ImportRoundTrip, LayersKeepTheModelsNumbers) {
    Result r = cli("stats -w " + quoted(kRoundTripDir + "sglang_stat.pt"));
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("3 layers (the model's layers 1, 2, 3) x 8 experts"), std::string::npos)
        << r.out;
    const auto stats = statsOf(kRoundTripDir + "sglang_stat.pt", "");
    EXPECT_EQ(stats["layers"][0]["model_layer"], 1);
    EXPECT_EQ(stats["layers"][2]["model_layer"], 3);
    EXPECT_EQ(stats["layers"][0]["layer"], 0);
}

}  // namespace
