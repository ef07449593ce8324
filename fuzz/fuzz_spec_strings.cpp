// The spec strings users type: workloads ("synthetic:skew=3,drift=0.1", "train:..."),
// predictors ("sw_avg:window=10") and policies ("eplb:slots=40"). Each input is tried as all
// of them; a typo (a repeated key, an empty item, a negative count) must be a moe::Error that
// names it, and no value may make construction or one small use allocate without bound.
#include <string_view>

#include "core/balance/policy_factory.h"
#include "core/predict/predictor_factory.h"
#include "core/train/train_spec.h"
#include "core/workload/synthetic_workload.h"
#include "core/workload/workload_factory.h"
#include "fuzz/fuzz_support.h"

namespace {

// One step of a small synthetic workload (a large one is a deliberate, costly request).
void syntheticSpec(const std::string& keyValues) {
    moe::WorkloadOptions options;
    options.tokensPerStep = 16;
    const moe::SyntheticParams params = moe::parseSyntheticSpec(keyValues, options);
    moe::SyntheticWorkload workload(params);
    moe::Step step;
    if (int64_t{params.tokensPerStep} * params.layers * params.topK <= 100000) workload.next(step);
}

// A policy planned once over 2 layers of 8 experts on 4 ranks (moetuner's ILPs aside: CBC
// would make each input slow, and its options are all numbers with checked ranges).
void policySpec(const std::string& spec) {
    auto policy = moe::makePolicy(spec);
    if (spec.rfind("moetuner", 0) == 0) return;
    moe::PolicyInput input;
    input.layers = 2;
    input.experts = 8;
    for (int i = 0; i < 16; ++i) input.load.push_back(1 + (i * 7) % 5);
    input.cluster.ranks = 4;
    policy->plan(input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string spec(reinterpret_cast<const char*>(data), size);
    // Predictor specs may name files (dist_only:profile=PATH, :table=PATH); the file readers
    // have their own targets, and a fuzzed path could name /dev/zero.
    if (spec.find("profile") != std::string::npos || spec.find("table") != std::string::npos)
        return 0;
    const std::string_view view(spec);
    if (view.starts_with("synthetic:"))
        moe::fuzz::expectOnlyMoeError([&] { syntheticSpec(spec.substr(10)); });
    if (view.starts_with("train:"))
        moe::fuzz::expectOnlyMoeError([&] { moe::train::parseTrainSpec(spec.substr(6), {}); });
    moe::fuzz::expectOnlyMoeError([&] { policySpec(spec); });
    moe::fuzz::expectOnlyMoeError([&] {
        moe::PredictorSet set;
        moe::WorkloadShape shape;
        shape.layers = 2;
        shape.experts = 8;
        shape.topK = 2;
        shape.hiddenDim = 8;  // what t2e_ffn and pregate need to be built at all
        shape.hasSequenceIds = shape.hasPositions = shape.hasTokenIds = true;
        moe::addPredictor(spec, shape, set);
    });
    return 0;
}
