// Every command that writes a table takes --format table|csv|json and -o/--out FILE alike:
// JSON parses, CSV has its header first, --out gets exactly what stdout would have, and the
// older --csv/--json files of predict and --csv of sweep still come out.
#include <nlohmann/json.hpp>

#include "cli_support.h"

namespace {

using namespace cli_test;

class OutputFormatCli : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = tempDir() / "output_format";
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        db_ = cli_test::quoted((dir_ / "runs.db").string());
    }
    fs::path dir_;
    std::string db_;
};

const char* kWorkload = "-w 'synthetic:layers=2,experts=8,top_k=2,tokens=32' --batching tokens";

TEST_F(OutputFormatCli, TableCommandsWriteCsvJsonAndFiles) {
    ASSERT_EQ(cli(std::string("run ") + kWorkload + " --steps 5 --ranks 2 -q --db " + db_).code, 0);
    ASSERT_EQ(cli(std::string("predict ") + kWorkload + " --steps 12 --db " + db_).code, 0);
    const std::vector<std::pair<std::string, std::string>> commands = {
        {"predict", std::string("predict ") + kWorkload + " --steps 12 --no-db"},
        {"compare", "compare 1 2 --db " + db_},
        {"runs list", "runs list --db " + db_},
        {"sweep", "sweep --skews 1.2,1.5 --bandwidths 64"},
        {"stats", std::string("stats ") + kWorkload + " --steps 10"}};
    for (const auto& [what, command] : commands) {
        const Result json = cli(command + " --format json");
        ASSERT_EQ(json.code, 0) << what << ": " << json.out;
        const std::string text = json.out.substr(json.out.find_first_of("[{"));
        EXPECT_FALSE(nlohmann::json::parse(text, nullptr, false).is_discarded())
            << what << ": " << json.out;
        const fs::path file = dir_ / "out.csv";
        const Result csv = cli(command + " --format csv -o " + cli_test::quoted(file.string()));
        ASSERT_EQ(csv.code, 0) << what << ": " << csv.out;
        const std::string written = readFile(file);
        EXPECT_NE(written.find(','), std::string::npos) << what << ": " << written;
        EXPECT_EQ(written.find("workload: "), std::string::npos) << what << ": " << written;
        fs::remove(file);
    }
}

TEST_F(OutputFormatCli, OlderFileFlagsStillWork) {
    const fs::path csv = dir_ / "p.csv", json = dir_ / "p.json", sweep = dir_ / "s.csv";
    const Result p =
        cli(std::string("predict ") + kWorkload + " --steps 12 --no-db --csv " +
            cli_test::quoted(csv.string()) + " --json " + cli_test::quoted(json.string()));
    ASSERT_EQ(p.code, 0) << p.out;
    EXPECT_EQ(readFile(csv).rfind("predictor,parameters,kind", 0), 0u);
    EXPECT_FALSE(nlohmann::json::parse(readFile(json), nullptr, false).is_discarded());
    EXPECT_NE(p.out.find("relative"), std::string::npos) << p.out;  // the table as before
    const Result s =
        cli("sweep --skews 1.2 --bandwidths 64 --csv " + cli_test::quoted(sweep.string()));
    ASSERT_EQ(s.code, 0) << s.out;
    EXPECT_EQ(readFile(sweep).rfind("skew,bandwidth_gbs", 0), 0u);
}

TEST_F(OutputFormatCli, AnUnknownFormatIsRefused) {
    const Result r = cli("sweep --format xml");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("xml"), std::string::npos) << r.out;
}

}  // namespace
