// The expert-weight arena: blocks on cache lines, back to back, refused past the capacity with
// an error instead of memory beyond the mapping; and a model's experts are views into it.
#include "core/model/weight_arena.h"

#include <gtest/gtest.h>

#include <cstdint>

#include "core/common/error.h"
#include "core/model/expert_weights.h"

namespace moe {
namespace {

TEST(WeightArena, BlocksStartOnCacheLinesAndStopAtTheCapacity) {
    WeightArena arena(WeightArena::roundUp(5) + WeightArena::roundUp(100));
    const std::span<float> a = arena.take(5), b = arena.take(100);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(a.data()) % (2 << 20), 0u);  // a huge-page boundary
    EXPECT_EQ(reinterpret_cast<uintptr_t>(b.data()) % 64, 0u);
    EXPECT_EQ(b.data(), a.data() + 16);  // 5 floats rounded up to one 64-byte line
    for (float& x : b) x = 1.0f;         // writable to the last float
    // The mapping is whole huge pages; asking past them is an error, not a wild pointer.
    EXPECT_THROW(arena.take(size_t{1} << 20), Error);
}

TEST(WeightArena, ModelExpertsAreAlignedViewsOfTheRightSize) {
    MoeLayerConfig c;
    c.hidden = 24;
    c.ffn = 40;
    c.experts = 3;
    c.topK = 1;
    const ModelWeights w(c, 2, 7);
    for (int l = 0; l < 2; ++l)
        for (const ExpertWeights& e : w.layer(l).experts) {
            for (auto m : {e.w1, e.w3, e.w2}) {
                EXPECT_EQ(m.size(), 24u * 40u);
                EXPECT_EQ(reinterpret_cast<uintptr_t>(m.data()) % 64, 0u);
            }
            EXPECT_NE(e.w1[0], e.w3[0]);  // distinct streams, not one block seen twice
        }
    // Regenerating gives the same values: the streams do not depend on the arena.
    const ModelWeights again(c, 2, 7);
    EXPECT_EQ(again.layer(1).experts[2].w2[39], w.layer(1).experts[2].w2[39]);
}

}  // namespace
}  // namespace moe
