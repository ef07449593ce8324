// Runs the real moe-workbench-cli binary as a user would: on the bundled trace, on synthetic
// routing, and on broken files, checking exit codes, messages and written CSV.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "cli_support.h"

namespace {

using namespace cli_test;

TEST(Cli, HelpOnEveryCommand) {
    for (const char* c : {"", "run ", "stats ", "devices ", "runs ", "runs list ", "runs show ",
                          "runs delete ", "runs tag ", "runs note ", "compare ", "export "}) {
        const Result r = cli(std::string(c) + "--help");
        EXPECT_EQ(r.code, 0) << c;
        EXPECT_NE(r.out.find("Usage"), std::string::npos) << c << r.out;
    }
}

TEST(Cli, RejectsUnknownOptionsAndBadValues) {
    Result r = cli("run --no-such-flag");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("no-such-flag"), std::string::npos) << r.out;
    r = cli("run --ranks 0");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("ranks"), std::string::npos) << r.out;
    r = cli("run --batching sideways");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("sideways"), std::string::npos) << r.out;
    r = cli("run --workload synthetic:skew=abc");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("skew"), std::string::npos) << r.out;
}

TEST(Cli, RunOnBundledTraceWritesLoadsCsvAndSummary) {
    const fs::path csv = tempDir() / "loads.csv";
    const Result r = cli("run --steps 5 --ranks 2 --hidden 32 --ffn 64 --batch 8 --loads-csv '" +
                         csv.string() + "'");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("tokens/s"), std::string::npos);
    EXPECT_NE(r.out.find("Per rank"), std::string::npos);
    std::ifstream in(csv);
    std::string header, line;
    std::getline(in, header);
    EXPECT_EQ(header, "step,layer,expert,tokens");
    long rows = 0, total = 0;
    while (std::getline(in, line)) {
        ++rows;
        total += std::stol(line.substr(line.rfind(',') + 1));
    }
    EXPECT_EQ(rows, 5 * 24 * 32);
    EXPECT_EQ(total, 5L * 8 * 24 * 4);  // 8 sequences in flight, 24 layers, top-4
}

TEST(Cli, StatsCsvHasOneRowPerLayer) {
    const Result r =
        cli("stats --workload synthetic:layers=3,experts=8,top_k=2,tokens=512,steps=20,skew=2 "
            "--format csv");
    ASSERT_EQ(r.code, 0) << r.out;
    std::istringstream in(r.out);
    std::string header, line;
    std::getline(in, header);
    EXPECT_EQ(header.rfind("layer,tokens,", 0), 0u) << header;
    EXPECT_NE(header.find("skewness"), std::string::npos);
    EXPECT_NE(header.find(",cv"), std::string::npos);
    int rows = 0;
    while (std::getline(in, line)) ++rows;
    EXPECT_EQ(rows, 3);
}

TEST(Cli, BrokenTraceNamesFileAndLineAndFails) {
    const fs::path d = tempDir();
    const fs::path trace = d / "broken.tsv";
    writeFile(d / "broken.shape", "layers=2 experts=4 top_k=2\n");
    writeFile(trace, "0\t1\t0 1 2 3\n0\t2\t0 1 2 9\n");
    Result r = cli("stats --workload 'trace:" + trace.string() + "'");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("broken.tsv:2"), std::string::npos) << r.out;
    writeFile(d / "plain.tsv.gz", "not gzip at all\n");
    writeFile(d / "plain.shape", "layers=2 experts=4 top_k=2\n");
    r = cli("run --steps 1 --workload 'trace:" + (d / "plain.tsv.gz").string() + "'");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("plain.tsv.gz"), std::string::npos) << r.out;
    r = cli("run --workload trace:/no/such/file.tsv.gz");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("/no/such/file.tsv.gz"), std::string::npos) << r.out;
}

TEST(Cli, UnwritableLoadsCsvFailsClearly) {
    const Result r = cli("run --steps 1 --hidden 16 --ffn 16 --loads-csv /no/such/dir/loads.csv");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("/no/such/dir/loads.csv"), std::string::npos) << r.out;
}

// OpenMP workers sleep between parallel regions unless the user says otherwise
// (app/runtime/openmp_wait_policy.cpp): libgomp itself reports the policy it started with.
// The OpenMP runtime's settings as a run prints them (a run, so the runtime starts: LLVM's
// libomp, which clang builds use, starts lazily). Both runtimes display OMP_WAIT_POLICY as
// PASSIVE when it is unset, so passive waits show in what they do: no spinning before a worker
// sleeps (libgomp's GOMP_SPINCOUNT, libomp's KMP_BLOCKTIME).
std::string openMpSettings() {
    setenv("OMP_DISPLAY_ENV", "verbose", 1);
    const Result r =
        cli("run -w synthetic:layers=1,experts=8,steps=2 -T 16 --hidden 32 --ffn 64 -G 1 --no-db");
    unsetenv("OMP_DISPLAY_ENV");
    EXPECT_EQ(r.code, 0) << r.out;
    return r.out;
}

bool holdsEither(const std::string& text, const std::string& a, const std::string& b) {
    return text.find(a) != std::string::npos || text.find(b) != std::string::npos;
}

TEST(Cli, OpenMpWorkersWaitPassivelyUnlessTheUserChose) {
    unsetenv("OMP_WAIT_POLICY");
    std::string out = openMpSettings();
    EXPECT_TRUE(holdsEither(out, "GOMP_SPINCOUNT = '0'", "KMP_BLOCKTIME='0'")) << out;
    setenv("OMP_WAIT_POLICY", "active", 1);
    out = openMpSettings();
    unsetenv("OMP_WAIT_POLICY");
    EXPECT_TRUE(holdsEither(out, "OMP_WAIT_POLICY = 'ACTIVE'", "OMP_WAIT_POLICY='ACTIVE'")) << out;
    EXPECT_FALSE(holdsEither(out, "GOMP_SPINCOUNT = '0'", "KMP_BLOCKTIME='0'")) << out;
}

}  // namespace
