// Numeric options refuse values that make no sense, each with one short line that says what
// is wrong and what to give: `train --steps -3` used to train forever and `run --steps -5`
// answered with DBL_MAX spelled out in 300 digits (app/cli/option_checks.h). Also what the
// same QA pass found in sweep's and stats' output.
#include <gtest/gtest.h>

#include <sstream>

#include "cli_support.h"

namespace {

using namespace cli_test;

// `args` must fail at once (no work done) with `message` and no runaway number in the output.
void expectRejected(const std::string& args, const std::string& message) {
    const Result r = cli(args);
    EXPECT_NE(r.code, 0) << args << "\n" << r.out;
    EXPECT_NE(r.out.find(message), std::string::npos) << args << "\n" << r.out;
    EXPECT_LT(r.out.size(), 400u) << args << "\n" << r.out;
    EXPECT_EQ(r.out.find("179769"), std::string::npos) << args << "\n" << r.out;
    EXPECT_EQ(r.out.find("0.000000"), std::string::npos) << args << "\n" << r.out;
}

TEST(OptionChecksCli, NegativeValuesAreRefused) {
    expectRejected("train --steps -3 --no-db", "--steps: -3 is negative; give 0 (until stopped)");
    expectRejected("train --time-limit -5 --no-db", "--time-limit: -5 is negative");
    expectRejected("train --checkpoint-every -2 --no-db", "--checkpoint-every: -2 is negative");
    expectRejected("run --policy eplb --max-moves -4 --no-db",
                   "--max-moves: -4 is too small; give -1 or more (-1 = no limit)");
    expectRejected("plan --max-moves -2", "--max-moves: -2 is too small");
}

TEST(OptionChecksCli, RangeMessagesAreShortAndTrue) {
    expectRejected("run --steps -5 --no-db",
                   "--steps: -5 is negative; give 0 (the whole workload) or more");
    expectRejected("train --print-every 0 --no-db",
                   "--print-every: 0 is too small; give 1 or more");
    expectRejected("stats --steps -1", "--steps: -1 is negative");
    expectRejected("predict --steps -1 --no-db", "--steps: -1 is negative");
    expectRejected("run -T 0 --no-db", "--tokens-per-step: 0 is out of range; give 1 to 1048576");
    expectRejected("run --ranks 0 --no-db", "--ranks: 0 is out of range; give 1 to 1024");
    expectRejected("run --commit-interval 0 --no-db",
                   "--commit-interval: 0 is out of range; give 0.001 to 3600");
    expectRejected("sweep --tflops 0", "--tflops: 0 is too small; give a number above 0");
    expectRejected("train --steps 2.5 --no-db", "--steps: '2.5' is not a whole number");
    // An empty value was taken as "not given" and the default shown.
    expectRejected("plan --layer ''", "--layer: '' is not a whole number");
}

// Values beyond the stated resource limits (README, "Resource limits") name the limit; numbers
// too large for the option's type say so instead of "not a whole number".
TEST(OptionChecksCli, ValuesBeyondTheLimitsNameThem) {
    expectRejected("stats -w trace:gpt-oss-20b --experts 1048577",
                   "--experts: 1048577 is out of range; give 1 to 65536");
    expectRejected("run --layers 5000 --no-db", "--layers: 5000 is out of range; give 1 to 4096");
    expectRejected("run -B 2000000 --no-db", "--batch: 2000000 is out of range; give 1 to 1048576");
    expectRejected("run --policy eplb --slots 100000000 --no-db",
                   "--slots: 100000000 is out of range; give 0 to 1048576");
    expectRejected("run -T 99999999999999999999 --no-db",
                   "--tokens-per-step: '99999999999999999999' is too large (at most 2147483647)");
}

// `sweep` models only what a top-k router can produce: k <= E and skewness <= E/k.
TEST(OptionChecksCli, SweepRefusesImpossibleConfigurations) {
    Result r = cli("sweep --experts 2 --top-k 8");
    EXPECT_NE(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("--top-k 8 is more than --experts 2"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("dist_only"), std::string::npos) << r.out;
    const std::string maximum = "E/k = 4.00";  // 8 experts, top-2 by default
    for (const char* args : {"sweep --skews 1.2,10", "sweep --terms 99", "sweep --gap-skew 5"}) {
        r = cli(args);
        EXPECT_NE(r.code, 0) << args << "\n" << r.out;
        EXPECT_NE(r.out.find("above the largest skewness possible"), std::string::npos) << r.out;
        EXPECT_NE(r.out.find(maximum), std::string::npos) << args << "\n" << r.out;
    }
    r = cli("sweep --skews 1.2,4 --terms 4");  // the maximum itself is possible
    EXPECT_EQ(r.code, 0) << r.out;
}

TEST(OptionChecksCli, SweepPrintsItsTableHeadingOnce) {
    const Result r = cli("sweep");
    ASSERT_EQ(r.code, 0) << r.out;
    const std::string heading = "winner (margin over runner-up)";
    const size_t at = r.out.find(heading);
    ASSERT_NE(at, std::string::npos) << r.out;
    EXPECT_EQ(r.out.find(heading, at + 1), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("Winner ("), std::string::npos) << r.out;
}

// The stats table states its unit and writes every load column alike (grouped whole tokens),
// not "6,653  25567.0  47970.4  53,227".
TEST(StatsTableCli, StatesTokensAndFormatsLoadsAlike) {
    const Result r = cli("stats -n 20");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("summed over all steps, in tokens"), std::string::npos) << r.out;
    std::istringstream in(r.out);
    std::string line;
    int rows = 0;
    while (std::getline(in, line)) {
        std::istringstream cells(line);
        std::string layer, skew, cv, min, median, p95, max;
        if (!(cells >> layer >> skew >> cv >> min >> median >> p95 >> max)) continue;
        if (layer.find_first_not_of("0123456789") != std::string::npos) continue;
        ++rows;
        for (const std::string& load : {min, median, p95, max})
            EXPECT_EQ(load.find_first_not_of("0123456789,"), std::string::npos) << line;
    }
    EXPECT_EQ(rows, 24) << r.out;
}

TEST(OptionChecksCli, ZeroStillMeansWhatTheHelpSays) {
    const Result r = cli("stats --steps 0 -w synthetic:steps=3,layers=2,experts=4,top_k=2");
    EXPECT_EQ(r.code, 0) << r.out;
}

}  // namespace
