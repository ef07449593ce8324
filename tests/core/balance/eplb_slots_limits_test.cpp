// EPLB asked for absurdly many slots (eplb:slots=100000000, found by
// fuzz/fuzz_spec_strings.cpp): it allocated maps of 10^8 slots per layer. More slots than
// experts on every GPU only add copies to a GPU that has the expert, so that is the bound.
#include <gtest/gtest.h>

#include "core/balance/eplb.h"
#include "core/balance/policy_factory.h"
#include "core/common/error.h"

namespace moe {
namespace {

TEST(EplbSlotsLimits, MoreSlotsThanExpertsTimesGpusIsAnError) {
    auto policy = makePolicy("eplb:slots=100000000");
    PolicyInput input;
    input.layers = 2;
    input.experts = 8;
    input.load.assign(16, 1.0);
    input.cluster.ranks = 4;
    try {
        policy->plan(input);
        FAIL() << "planned 10^8 slots";
    } catch (const Error& e) {
        EXPECT_EQ(std::string(e.what()),
                  "eplb: 100000000 slots for 8 experts on 4 GPUs: at most experts x GPUs (32) "
                  "make sense");
    }
    EXPECT_NO_THROW(makePolicy("eplb:slots=32")->plan(input));
}

}  // namespace
}  // namespace moe
