// The trainer on the real bundled corpus with a tiny model: reproducible with one seed, a
// checkpointed and resumed run continues the uninterrupted run's loss curve bit for bit, each
// balancing mode runs, and the loss falls.
#include "core/train/trainer.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/common/error.h"
#include "train_test_util.h"

namespace moe::train {
namespace {
namespace fs = std::filesystem;

std::vector<double> losses(Trainer& t, int steps) {
    std::vector<double> out;
    for (int i = 0; i < steps; ++i) out.push_back(t.step().loss.total());
    return out;
}

fs::path trainerScratch(const std::string& name) {
    const fs::path d = fs::temp_directory_path() / ("moe_train_test_" + std::to_string(getpid()));
    fs::create_directories(d);
    return d / name;
}

TEST(Trainer, SameSeedSameLosses) {
    Trainer a(test::tinySpec().options), b(test::tinySpec().options);
    EXPECT_EQ(losses(a, 4), losses(b, 4));
    auto other = test::tinySpec().options;
    other.seed = 2;
    Trainer c(other);
    EXPECT_NE(losses(c, 4), losses(a, 4));
}

TEST(Trainer, ResumedRunContinuesTheSameCurve) {
    for (const char* aux : {"switch:0.01", "bias:0.01"}) {
        auto o = test::tinySpec().options;
        o.balance = parseBalance(aux);
        Trainer whole(o);
        const auto expected = losses(whole, 8);
        Trainer first(o);
        const auto head = losses(first, 4);
        const fs::path ckpt = trainerScratch("resume.ckpt");
        first.save(ckpt.string());
        auto resumed = o;
        resumed.resume = ckpt.string();
        Trainer second(resumed);
        EXPECT_EQ(second.nextStep(), 4);
        auto tail = losses(second, 4);
        std::vector<double> joined = head;
        joined.insert(joined.end(), tail.begin(), tail.end());
        for (size_t i = 0; i < joined.size(); ++i)
            EXPECT_EQ(joined[i], expected[i]) << aux << " step " << i;
        // The expert biases went through the checkpoint too (bias mode changes them).
        EXPECT_EQ(second.model().selectionBias(), whole.model().selectionBias()) << aux;
    }
}

TEST(Trainer, EveryBalancingModeTrainsAndTheLossFalls) {
    for (const char* aux : {"none", "switch:0.05", "bias:0.005"}) {
        auto o = test::tinySpec().options;
        o.balance = parseBalance(aux);
        o.optimizer.warmup = 5;
        o.optimizer.lr = 5e-3;
        Trainer t(o);
        const double before = t.evaluate(0);
        const auto l = losses(t, 40);
        EXPECT_LT(t.evaluate(39), before - 0.5) << aux;
        EXPECT_EQ(l.size(), 40u);
        if (o.balance.mode == Balancing::Switch) EXPECT_GT(t.lastReport().loss.aux, 0) << aux;
        if (o.balance.mode != Balancing::Switch) EXPECT_EQ(t.lastReport().loss.aux, 0) << aux;
    }
}

TEST(Trainer, RoutingOfTheStepIsComplete) {
    auto o = test::tinySpec().options;
    Trainer t(o);
    t.step();
    const StepRouting& r = t.routing();
    const int T = o.batch * o.model.context;
    ASSERT_EQ(r.tokens, T);
    EXPECT_EQ(r.experts.size(), static_cast<size_t>(o.model.blocks) * T * o.model.topK);
    EXPECT_EQ(r.hidden.size(), static_cast<size_t>(o.model.blocks) * T * o.model.width);
    for (int t2 = 0; t2 < T; ++t2) EXPECT_EQ(r.positions[t2], t2 % o.model.context);
    int64_t total = 0;
    for (auto n : r.counts) total += n;
    EXPECT_EQ(total, static_cast<int64_t>(o.model.blocks) * T * o.model.topK);
}

TEST(Trainer, BadSettingsAndMissingSectionsAreNamed) {
    auto o = test::tinySpec().options;
    o.sections = "tutorial>no-such-section@10";
    try {
        Trainer t(o);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("no-such-section"), std::string::npos) << e.what();
    }
    o = test::tinySpec().options;
    o.model.heads = 3;
    EXPECT_THROW(Trainer{o}, Error);
    o = test::tinySpec().options;
    o.corpus = "/no/such/corpus";
    EXPECT_THROW(Trainer{o}, Error);
}

}  // namespace
}  // namespace moe::train
