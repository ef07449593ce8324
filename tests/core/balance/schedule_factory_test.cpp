// The rebalance schedule (every N steps, optionally only below a balancedness threshold) and
// the policy factory's spec parsing and errors.
#include <gtest/gtest.h>

#include "core/balance/policy_factory.h"
#include "core/balance/rebalance_schedule.h"
#include "core/common/error.h"
#include "tests/core/balance/policy_test_util.h"

namespace moe {
namespace {

TEST(RebalanceSchedule, EveryNSteps) {
    const RebalanceSchedule s(3);
    EXPECT_TRUE(s.due(0, 1.0));
    EXPECT_FALSE(s.due(1, 0.1));
    EXPECT_FALSE(s.due(2, 0.1));
    EXPECT_TRUE(s.due(3, 1.0));
    EXPECT_TRUE(s.due(6, 0.5));
}

TEST(RebalanceSchedule, OnlyBelowTheThreshold) {
    const RebalanceSchedule s(1, 0.9);
    EXPECT_TRUE(s.due(5, 0.8));
    EXPECT_FALSE(s.due(5, 0.95));
    const RebalanceSchedule both(4, 0.9);
    EXPECT_FALSE(both.due(5, 0.1));  // not a check point
    EXPECT_TRUE(both.due(8, 0.1));
    EXPECT_THROW(RebalanceSchedule(0), Error);
    EXPECT_THROW(RebalanceSchedule(1, 1.5), Error);
}

TEST(RebalanceSchedule, PredictedBalancedness) {
    // Contiguous {0,1 | 2,3}: layer 0 loads 30 10 | 10 10 -> mean 30 / max 40 = 0.75; layer 1
    // balanced -> 1. Mean over layers 0.875.
    const Placement p = Placement::contiguous(2, 4, 2);
    EXPECT_NEAR(predictedBalancedness(p, {30, 10, 10, 10, 5, 5, 5, 5}), 0.875, 1e-12);
}

TEST(PolicyFactory, NamesAndKeys) {
    for (const char* name : {"contiguous", "round_robin", "gps", "eplb", "fastermoe", "harmoeny"}) {
        EXPECT_EQ(makePolicy(name)->name(), name);
        EXPECT_NE(policyHelp().find(name), std::string::npos);
    }
    EXPECT_EQ(makePolicy("gps:max_copies=2,max_moves=4")->name(), "gps+max_moves=4");
    EXPECT_NO_THROW(makePolicy("fastermoe:hidden=4096,alpha=3.5,tflops=300,net_gbs=50"));
    EXPECT_NO_THROW(makePolicy("eplb:slots=288,groups=8,mode=hierarchical"));
    EXPECT_NO_THROW(makePolicy("harmoeny:token_us=2.5,fetch_gbs=25"));
}

TEST(PolicyFactory, ErrorsNameTheProblem) {
    auto message = [](const std::string& spec) {
        try {
            makePolicy(spec);
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_NE(message("gpss").find("unknown policy 'gpss'"), std::string::npos);
    EXPECT_NE(message("gps:max_copy=2").find("unknown option 'max_copy'"), std::string::npos);
    EXPECT_NE(message("gps:max_copy=2").find("max_copies"), std::string::npos);
    EXPECT_NE(message("gps:max_copies=two").find("max_copies=two"), std::string::npos);
    EXPECT_NE(message("gps:max_copies=-1").find("integer"), std::string::npos);
    EXPECT_NE(message("eplb:mode=fast").find("auto"), std::string::npos);
    EXPECT_NE(message("gps:max_copies").find("key=value"), std::string::npos);
    EXPECT_NE(message("gps:max_copies=1,max_copies=2").find("twice"), std::string::npos);
    EXPECT_NE(message("fastermoe:tflops=abc").find("number"), std::string::npos);
    EXPECT_NE(message("contiguous:slots=3").find("unknown option"), std::string::npos);
}

}  // namespace
}  // namespace moe
