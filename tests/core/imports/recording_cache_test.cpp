// A recording read once is shared by whoever opens the same unchanged files while someone holds
// it (what lets the workbench's run reuse the read that checked the recording), and read anew
// once nobody does, when a file changed, or with another top-k.
#include "core/imports/recording_cache.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "core/common/error.h"
#include "core/experiment/workload_source.h"
#include "core/imports/import_routing.h"
#include "core/imports/imported_workload.h"
#include "tests/core/imports/import_fixtures.h"
#include "tests/core/workload/test_files.h"

namespace moe {
namespace {
namespace fs = std::filesystem;

class RecordingCache : public ::testing::Test {
protected:
    // A copy of the fixture, so the test may change it.
    std::string copyOf(const std::string& fixture, const std::string& name) const {
        const std::string to = dir_.path(name);
        fs::copy_file(test::importFixture(fixture), to, fs::copy_options::overwrite_existing);
        return to;
    }
    test::ScratchDir dir_;
};

TEST_F(RecordingCache, OneReadIsSharedWhileHeld) {
    const std::string path = copyOf("sglang_per_token_0.pt", "dump.pt");
    const auto held = importRoutingShared({path});
    ASSERT_TRUE(held->perToken());
    EXPECT_EQ(importRoutingShared({path}).get(), held.get());
    // The way a run opens it: a bare path as the workload.
    WorkloadOptions o;
    o.spec = path;
    const auto workload = openWorkload(o);
    const auto* imported = dynamic_cast<const ImportedWorkload*>(workload.get());
    ASSERT_NE(imported, nullptr);
    EXPECT_EQ(imported->routing().get(), held.get()) << "the run read the recording again";
}

TEST_F(RecordingCache, NothingIsKeptOnceNobodyHoldsIt) {
    const std::string path = copyOf("sglang_per_token_0.pt", "dump.pt");
    auto held = importRoutingShared({path});
    const std::weak_ptr<const ImportedRouting> watch = held;
    held.reset();
    EXPECT_TRUE(watch.expired()) << "the cache kept a recording alive by itself";
    const auto again = importRoutingShared({path});
    EXPECT_TRUE(again->perToken());
}

TEST_F(RecordingCache, AChangedFileIsReadAnew) {
    // Two requests' routed experts of different lengths, written over one name.
    const std::string path = copyOf("npy/request_0.npy", "routed.npy");
    const auto before = importRoutingShared({path});
    copyOf("npy/request_1.npy", "routed.npy");
    const auto after = importRoutingShared({path});
    EXPECT_NE(after.get(), before.get());
    const ImportedRouting fresh = importRouting({test::importFixture("npy/request_1.npy")});
    EXPECT_EQ(after->ids, fresh.ids);
    EXPECT_NE(after->ids, before->ids) << "the two fixtures should differ";
}

TEST_F(RecordingCache, AnotherTopKIsAnotherRead) {
    const std::string path = copyOf("npy/router_scores_stacked.npy", "logits.npy");
    const auto top1 = importRoutingShared({path}, 1);
    const auto top2 = importRoutingShared({path}, 2);
    EXPECT_NE(top1.get(), top2.get());
    EXPECT_EQ(top1->topK, 1);
    EXPECT_EQ(top2->topK, 2);
}

// The workbench checks a recording on one thread while a run may open another on the engine's.
TEST_F(RecordingCache, ThreadsOpeningRecordingsAtOnceEachGetAWholeOne) {
    const std::string a = copyOf("sglang_per_token_0.pt", "a.pt");
    const std::string b = copyOf("npy/request_0.npy", "b.npy");
    const ImportedRouting expectA = importRouting({a}), expectB = importRouting({b});
    std::vector<std::shared_ptr<const ImportedRouting>> got(8);
    std::vector<std::thread> threads;
    for (size_t i = 0; i < got.size(); ++i)
        threads.emplace_back([&, i] { got[i] = importRoutingShared({i % 2 ? b : a}); });
    for (auto& t : threads) t.join();
    for (size_t i = 0; i < got.size(); ++i)
        EXPECT_EQ(got[i]->ids, (i % 2 ? expectB : expectA).ids) << "thread " << i;
    // Threads that raced both read; the one kept is one of theirs, shared from now on.
    const auto later = importRoutingShared({a});
    bool oneOfTheirs = false;
    for (size_t i = 0; i < got.size(); i += 2) oneOfTheirs = oneOfTheirs || got[i] == later;
    EXPECT_TRUE(oneOfTheirs) << "a recording the threads still hold was read again";
}

TEST_F(RecordingCache, AFileThatCannotBeReadStillSaysWhy) {
    const std::string path = dir_.path("missing.pt");
    try {
        importRoutingShared({path});
        FAIL() << "a missing file was read";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("missing.pt"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace moe
