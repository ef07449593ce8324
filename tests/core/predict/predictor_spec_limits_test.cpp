// Predictor specs from fuzz/corpus/fuzz_spec_strings: a key given twice (which value was meant
// is unknown, so it is an error naming the spec and the key, not the last one winning), and
// hidden sizes that asked for gigabytes of weights.
#include <gtest/gtest.h>

#include "core/common/error.h"
#include "core/predict/predictor_factory.h"

namespace moe {
namespace {

TEST(PredictorSpecLimits, KeyGivenTwiceIsAnError) {
    WorkloadShape shape;
    shape.layers = 2;
    shape.experts = 8;
    shape.topK = 2;
    PredictorSet set;
    try {
        addPredictor("sw_avg:window=1,window=2", shape, set);
        FAIL() << "accepted a key given twice";
    } catch (const Error& e) {
        EXPECT_EQ(std::string(e.what()),
                  "predictor 'sw_avg:window=1,window=2': key 'window' "
                  "given twice");
    }
    EXPECT_TRUE(set.load.empty());
    addPredictor("sw_avg:window=2", shape, set);
    EXPECT_EQ(set.load.size(), 1u);
}

TEST(PredictorSpecLimits, FfnHiddenSizesAreBounded) {
    WorkloadShape shape;
    shape.layers = 2;
    shape.experts = 8;
    shape.topK = 2;
    shape.hiddenDim = 8;
    PredictorSet set;
    try {
        addPredictor("t2e_ffn:hidden1=400000000", shape, set);
        FAIL() << "built nets of 4e8 hidden units";
    } catch (const Error& e) {
        EXPECT_EQ(std::string(e.what()),
                  "t2e_ffn: hidden sizes must be in 1..4096, got 400000000 and 64");
    }
}

}  // namespace
}  // namespace moe
