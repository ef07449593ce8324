// The factory the CLI and GUI call: spec strings, batching names, named traces and MOE_DATA_DIR,
// and the errors a user sees for bad specs.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "core/common/error.h"
#include "core/experiment/workload_source.h"
#include "core/workload/trace_workload.h"
#include "tests/core/workload/test_files.h"

namespace moe {
namespace {

void expectErrorMentioning(const std::function<void()>& action, const std::string& text) {
    try {
        action();
        ADD_FAILURE() << "no error; expected one mentioning " << text;
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
    }
}

// Sets an environment variable for the scope of one test.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const std::string& value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old, had_ = true;
        ::setenv(name, value.c_str(), 1);
    }
    ~ScopedEnv() {
        if (had_)
            ::setenv(name_, old_.c_str(), 1);
        else
            ::unsetenv(name_);
    }

private:
    const char* name_;
    std::string old_;
    bool had_ = false;
};

TEST(WorkloadFactory, ParsesBatchingNames) {
    EXPECT_EQ(parseBatching("tokens"), Batching::Tokens);
    EXPECT_EQ(parseBatching("sequence"), Batching::Sequence);
    EXPECT_EQ(parseBatching("continuous"), Batching::Continuous);
    EXPECT_EQ(parseBatching("recorded"), Batching::Recorded);
    expectErrorMentioning([] { parseBatching("static"); },
                          "tokens, sequence, continuous or recorded");
}

TEST(WorkloadFactory, SyntheticSpecDefaultsAndKeys) {
    WorkloadOptions o;
    o.seed = 42;
    const auto d = parseSyntheticSpec("", o);
    EXPECT_EQ(d.layers, 24);
    EXPECT_EQ(d.experts, 32);
    EXPECT_EQ(d.topK, 4);
    EXPECT_EQ(d.tokensPerStep, 4096);
    EXPECT_EQ(d.steps, 0);
    EXPECT_EQ(d.skew, 2.0);
    EXPECT_EQ(d.drift, 0.0);
    EXPECT_EQ(d.burstProb, 0.0);
    EXPECT_EQ(d.seed, 42u);
    const auto p = parseSyntheticSpec(
        "layers=2,experts=8,top_k=2,tokens=16,steps=3,skew=1.5,drift=0.25,burst_prob=0.1,"
        "burst_factor=3,burst_len=2,seed=9",
        o);
    EXPECT_EQ(p.layers, 2);
    EXPECT_EQ(p.experts, 8);
    EXPECT_EQ(p.topK, 2);
    EXPECT_EQ(p.tokensPerStep, 16);
    EXPECT_EQ(p.steps, 3);
    EXPECT_EQ(p.skew, 1.5);
    EXPECT_EQ(p.drift, 0.25);
    EXPECT_EQ(p.burstProb, 0.1);
    EXPECT_EQ(p.burstFactor, 3.0);
    EXPECT_EQ(p.burstLength, 2);
    EXPECT_EQ(p.seed, 9u);
}

TEST(WorkloadFactory, SyntheticSpecErrorsNameTheKey) {
    WorkloadOptions o;
    expectErrorMentioning([&] { parseSyntheticSpec("colour=red", o); }, "unknown key 'colour'");
    expectErrorMentioning([&] { parseSyntheticSpec("skew=high", o); }, "skew");
    expectErrorMentioning([&] { parseSyntheticSpec("layers=2.5", o); }, "layers");
    expectErrorMentioning([&] { parseSyntheticSpec("layers", o); }, "not key=value");
    expectErrorMentioning([&] { parseSyntheticSpec("seed=1,seed=2", o); }, "given twice");
    o.spec = "synthetic:skew=20";
    expectErrorMentioning([&] { openWorkload(o); }, "skew");
}

TEST(WorkloadFactory, OpensSyntheticWithMaxSteps) {
    WorkloadOptions o;
    o.spec = "synthetic:layers=2,experts=8,top_k=2,tokens=16,steps=10";
    o.maxSteps = 4;
    auto w = openWorkload(o);
    EXPECT_EQ(w->shape().layers, 2);
    Step step;
    int n = 0;
    while (w->next(step)) ++n;
    EXPECT_EQ(n, 4);
    EXPECT_EQ(w->describe().rfind("synthetic:layers=2,", 0), 0u);
    o.spec = "synthetic";
    o.maxSteps = 1;
    auto d = openWorkload(o);
    ASSERT_TRUE(d->next(step));
    EXPECT_EQ(step.tokens, 4096);
    EXPECT_FALSE(d->next(step));
}

TEST(WorkloadFactory, OpensTraceByPathWithFlagsOrSidecar) {
    test::ScratchDir dir;
    const auto path = dir.writeGzip("t.tsv.gz", "5\t0\t0 1 2 3\n5\t1\t1 2 3 0\n6\t0\t2 3 0 1\n");
    WorkloadOptions o;
    o.spec = "trace:" + path;
    expectErrorMentioning([&] { openWorkload(o); }, "trace shape unknown");
    o.layers = 2;
    o.experts = 4;
    o.topK = 2;
    o.batching = Batching::Continuous;
    o.batch = 2;
    auto w = openWorkload(o);
    EXPECT_EQ(w->describe(), "trace:" + path + " (continuous, B=2)");
    Step step;
    ASSERT_TRUE(w->next(step));
    EXPECT_EQ(step.tokens, 2);
    ASSERT_TRUE(w->next(step));
    EXPECT_EQ(step.tokens, 1);
    EXPECT_FALSE(w->next(step));
    // The sidecar gives the shape; flags still win where given (here a wrong one, caught).
    dir.writeShape("t.shape", 2, 4, 2);
    o.layers.reset();
    o.experts.reset();
    o.topK.reset();
    EXPECT_EQ(openWorkload(o)->shape().experts, 4);
    o.layers = 1;
    auto wrong = openWorkload(o);
    expectErrorMentioning([&] { wrong->next(step); }, "expected 2 expert ids");
}

TEST(WorkloadFactory, BadSpecs) {
    WorkloadOptions o;
    o.spec = "replay:x";
    expectErrorMentioning([&] { openWorkload(o); }, "unknown workload 'replay:x'");
    o.spec = "trace:";
    expectErrorMentioning([&] { openWorkload(o); }, "needs a path");
    o.spec = "trace:no-such-trace";
    expectErrorMentioning([&] { openWorkload(o); }, "not a known trace name (known: gpt-oss-20b)");
    // A directory exists but is no trace: say so, not "no such file".
    test::ScratchDir dir;
    const std::string folder = dir.path("dir.tsv.gz");
    std::filesystem::create_directories(folder);
    o.spec = "trace:" + folder;
    expectErrorMentioning([&] { openWorkload(o); }, folder + ": is a directory, not a trace file");
}

TEST(WorkloadFactory, NamedTraceIsFoundInMoeDataDirFirst) {
    test::ScratchDir dir;
    const auto folder = dir.path("data/traces/gpt-oss-20b");
    std::filesystem::create_directories(folder);
    const auto subset = folder + "/gptoss20b_decode_routing_subset.tsv.gz";
    dir.writeGzip("data/traces/gpt-oss-20b/gptoss20b_decode_routing_subset.tsv.gz",
                  "0\t0\t0 1 2 3\n");
    ScopedEnv env("MOE_DATA_DIR", dir.path("data"));
    EXPECT_EQ(resolveTraceName("gpt-oss-20b"), std::filesystem::path(subset).lexically_normal());
    // The full trace, when that data dir has it, wins over its subset.
    dir.writeGzip("data/traces/gpt-oss-20b/gptoss20b_decode_routing.tsv.gz", "0\t0\t0 1 2 3\n");
    EXPECT_EQ(
        resolveTraceName("gpt-oss-20b"),
        std::filesystem::path(folder + "/gptoss20b_decode_routing.tsv.gz").lexically_normal());
}

TEST(WorkloadFactory, NamedTraceFallsBackToSharedOrBundledData) {
    ScopedEnv env("MOE_DATA_DIR", "");
    const std::string resolved = resolveTraceName("gpt-oss-20b");
    const bool full = resolved.ends_with("gpt-oss-20b/gptoss20b_decode_routing.tsv.gz");
    const bool subset =
        resolved.ends_with("data/traces/gpt-oss-20b/gptoss20b_decode_routing_subset.tsv.gz");
    EXPECT_TRUE(full || subset) << resolved;
    EXPECT_TRUE(std::filesystem::is_regular_file(resolved)) << resolved;
    WorkloadOptions o;
    o.spec = "trace:gpt-oss-20b";
    o.maxSteps = 2;
    auto w = openWorkload(o);
    EXPECT_EQ(w->shape().layers, 24);
    EXPECT_EQ(w->shape().experts, 32);
    EXPECT_EQ(w->shape().topK, 4);
    EXPECT_EQ(w->describe(), "trace:" + resolved + " (continuous, B=64, max 2 steps)");
    Step step;
    ASSERT_TRUE(w->next(step));
    EXPECT_EQ(step.tokens, 64);
    ASSERT_TRUE(w->next(step));
    EXPECT_FALSE(w->next(step));
}

TEST(WorkloadFactory, PlainPathIsReturnedUnchanged) {
    test::ScratchDir dir;
    const auto path = dir.writePlain("x.tsv", "0\t0\t0 1 2 3\n");
    EXPECT_EQ(resolveTraceName(path), path);
}

}  // namespace
}  // namespace moe
