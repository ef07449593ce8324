// `run --backend cuda` end to end, on whatever this machine has: with a usable device the
// engine line names it and the record keeps its name and memory; without one the run still
// completes on the CPU, says why, and the record says CUDA was asked for and why it was not used.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "gpu_test_support.h"

namespace moe::gpu {
namespace {

struct Output {
    int code = -1;
    std::string text;
};

// The build's CLI, unless MOE_CLI_PATH names another: a bundle built on one machine and run on
// a GPU machine (bench/gpu/bundle.sh) has its CLI elsewhere than the build tree it came from.
std::string cliPath() {
    const char* env = std::getenv("MOE_CLI_PATH");
    return env && *env ? env : MOE_CLI_PATH;
}

Output runCli(const std::string& args) {
    Output o;
    FILE* p = popen(("'" + cliPath() + "' " + args + " 2>&1").c_str(), "r");
    if (!p) return o;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) o.text.append(buf, n);
    o.code = WEXITSTATUS(pclose(p));
    return o;
}

TEST(CliBackend, CudaRunsOnTheDeviceOrSaysWhyNotAndContinuesOnTheCpu) {
    const auto db = std::filesystem::temp_directory_path() /
                    ("moe_gpu_cli_" + std::to_string(::getpid()) + ".sqlite");
    std::filesystem::remove(db);
    const Output run =
        runCli("run --backend cuda --steps 3 --hidden 32 --ffn 64 --ranks 2 --db " + db.string());
    ASSERT_EQ(run.code, 0) << run.text;
    const Output show = runCli("runs show last --db " + db.string());
    ASSERT_EQ(show.code, 0) << show.text;
    if (testing::noDeviceReason().empty()) {
        EXPECT_NE(run.text.find("engine:   cuda "), std::string::npos) << run.text;
        EXPECT_NE(show.text.find("\"backend\": \"cuda\""), std::string::npos) << show.text;
        EXPECT_NE(show.text.find("\"memory_bytes\""), std::string::npos) << show.text;
    } else {
        EXPECT_NE(run.text.find("note: cuda: no device"), std::string::npos) << run.text;
        EXPECT_NE(run.text.find("running on the CPU"), std::string::npos) << run.text;
        EXPECT_NE(run.text.find("engine:   cpu"), std::string::npos) << run.text;
        // The config keeps what was asked for (model.backend) so a re-run asks again; what
        // ran is among the run's recorded facts.
        const auto recorded = show.text.find("\"recorded\"");
        EXPECT_NE(show.text.find("\"backend\": \"cuda\""), std::string::npos) << show.text;
        EXPECT_NE(show.text.find("\"backend\": \"cpu\"", recorded), std::string::npos) << show.text;
        EXPECT_NE(show.text.find("\"backend_note\": \"cuda: no device"), std::string::npos)
            << show.text;
    }
    std::filesystem::remove(db);
}

}  // namespace
}  // namespace moe::gpu
