// Checkpoint files that are missing, not checkpoints, of another version or truncated anywhere
// give a moe::Error naming the file; a good one round-trips exactly.
#include "core/train/checkpoint.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/common/error.h"
#include "core/train/trainer.h"
#include "train_test_util.h"

namespace moe::train {
namespace {
namespace fs = std::filesystem;

fs::path checkpointScratch(const std::string& name) {
    const fs::path d = fs::temp_directory_path() / ("moe_ckpt_test_" + std::to_string(getpid()));
    fs::create_directories(d);
    return d / name;
}

std::string readAll(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

void expectErrorNaming(const fs::path& p, const std::string& words) {
    try {
        readCheckpoint(p.string());
        FAIL() << "no error for " << p;
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(p.string()), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
}

TEST(Checkpoint, RoundTripAndDamage) {
    Trainer t(test::tinySpec().options);
    t.step();
    const fs::path good = checkpointScratch("good.ckpt");
    t.save(good.string());
    const CheckpointData d = readCheckpoint(good.string());
    EXPECT_EQ(d.step, 1);
    EXPECT_EQ(d.model, t.options().model);
    ASSERT_EQ(d.values.size(), t.model().params().size());
    for (size_t i = 0; i < d.values.size(); ++i)
        EXPECT_EQ(d.values[i], t.model().params()[i].value);

    expectErrorNaming(checkpointScratch("missing.ckpt"), "cannot open");
    const std::string bytes = readAll(good);
    const fs::path bad = checkpointScratch("bad.ckpt");
    std::ofstream(bad, std::ios::binary) << "hello, not a checkpoint";
    expectErrorNaming(bad, "not a MoE Workbench checkpoint");
    std::string other = bytes;
    other[8] = 9;  // the version field
    std::ofstream(bad, std::ios::binary | std::ios::trunc) << other;
    expectErrorNaming(bad, "version 9");
    for (size_t cut : {size_t{10}, size_t{40}, bytes.size() / 2, bytes.size() - 3}) {
        std::ofstream(bad, std::ios::binary | std::ios::trunc) << bytes.substr(0, cut);
        expectErrorNaming(bad, "truncated");
    }
}

// `d` in the checkpoint format, written here without writeCheckpoint's checks: what a damaged
// file or another writer could hold.
void writeRawCheckpoint(const fs::path& p, const CheckpointData& d) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    const auto raw = [&](const void* bytes, size_t n) {
        out.write(static_cast<const char*>(bytes), static_cast<std::streamsize>(n));
    };
    const auto value = [&](auto v) { raw(&v, sizeof v); };
    const auto text = [&](const std::string& t) {
        value(uint64_t{t.size()});
        raw(t.data(), t.size());
    };
    const auto floats = [&](const std::vector<float>& v) {
        value(uint64_t{v.size()});
        raw(v.data(), v.size() * sizeof(float));
    };
    raw("MOEWBCKP", 8);
    value(kCheckpointVersion);
    text(describeModel(d.model));
    text(d.sections);
    value(d.step);
    value(d.samplerState);
    value(d.optimizerSteps);
    value(uint64_t{d.names.size()});
    for (size_t i = 0; i < d.names.size(); ++i) {
        text(d.names[i]);
        floats(d.values[i]);
        floats(d.m[i]);
        floats(d.v[i]);
    }
    value(uint64_t{d.bias.size()});
    for (const auto& b : d.bias) floats(b);
    raw("MOEWBEND", 8);
}

// A checkpoint whose numbers no trainer writes: resuming from a step of -1 trained on with a
// NaN loss and exit 0.
TEST(Checkpoint, ImpossibleTrainingStateIsDamage) {
    Trainer t(test::tinySpec().options);
    t.step();
    const fs::path good = checkpointScratch("state.ckpt");
    t.save(good.string());
    const CheckpointData sound = readCheckpoint(good.string());
    const fs::path bad = checkpointScratch("bad_state.ckpt");
    writeRawCheckpoint(bad, sound);  // the test's own writer writes the format faithfully
    ASSERT_EQ(readCheckpoint(bad.string()).step, sound.step);
    // Such a state is refused when written (the old file stays) and, written by other means,
    // when read.
    const auto expectRefused = [&](auto damage, const std::string& words) {
        CheckpointData d = sound;
        damage(d);
        writeCheckpoint(bad.string(), sound);
        try {
            writeCheckpoint(bad.string(), d);
            ADD_FAILURE() << "saved a state with " << words;
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find("checkpoint not saved"), std::string::npos)
                << e.what();
        }
        EXPECT_EQ(readCheckpoint(bad.string()).step, sound.step);  // the old one is kept
        writeRawCheckpoint(bad, d);
        expectErrorNaming(bad, words);
    };
    expectRefused([](CheckpointData& d) { d.step = -1; }, "checkpoint damaged: the step is -1");
    expectRefused([](CheckpointData& d) { d.optimizerSteps = -1; }, "the optimizer step is -1");
    expectRefused([](CheckpointData& d) { d.values[0][0] = std::nanf(""); },
                  "parameter " + sound.names[0] + " holds a NaN or infinite value");
    expectRefused([](CheckpointData& d) { d.m[1][0] = INFINITY; }, "NaN or infinite");
    expectRefused([](CheckpointData& d) { d.v[0][0] = -1; }, "negative second moment");
}

TEST(Checkpoint, ModelDescriptionRoundTrips) {
    LmConfig c;
    c.blocks = 3;
    c.score = ScoreFunction::Sigmoid;
    c.capacityFactor = 1.5;
    EXPECT_EQ(parseModelDescription(describeModel(c), "x"), c);
    EXPECT_EQ(describeModel(c).find("pregated"), std::string::npos) << "old headers unchanged";
    c.pregated = true;
    EXPECT_EQ(parseModelDescription(describeModel(c), "x"), c);
    EXPECT_THROW(parseModelDescription("width=abc", "x"), Error);
}

}  // namespace
}  // namespace moe::train
