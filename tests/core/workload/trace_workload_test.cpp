// The four batchings over a small hand-made trace, step by step, plus continuous batching's
// replacement order and the maxSteps limit.
#include "core/workload/trace_workload.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/common/error.h"
#include "tests/core/workload/test_files.h"

namespace moe {
namespace {

// 2 layers, 4 experts, top-2. Token n (0-based, file order) routes layer 0 to {n%4, (n+1)%4}
// and layer 1 to {(n+2)%4, (n+3)%4}.
const TraceShape kSmallShape{2, 4, 2};

struct Seq {
    int32_t id, firstPos, tokens;
};
// A: 3 tokens, B: 1 token, C: 2 tokens, D: 2 tokens -> tokens 0..7 in file order.
const std::vector<Seq> kSeqs = {{10, 0, 3}, {11, 5, 1}, {12, 0, 2}, {13, 7, 2}};

std::vector<int32_t> idsOf(int n) { return {n % 4, (n + 1) % 4, (n + 2) % 4, (n + 3) % 4}; }

std::string handMadeTrace() {
    std::string text;
    int n = 0;
    for (const Seq& s : kSeqs)
        for (int t = 0; t < s.tokens; ++t, ++n) {
            const auto ids = idsOf(n);
            text += std::to_string(s.id) + "\t" + std::to_string(s.firstPos + t) + "\t" +
                    std::to_string(ids[0]) + " " + std::to_string(ids[1]) + " " +
                    std::to_string(ids[2]) + " " + std::to_string(ids[3]) + "\n";
        }
    return text;
}

// A token by file index: its sequence id, position and ids.
struct Expected {
    int n;
    int32_t seq, pos;
};

Expected token(int n) {
    int i = n;
    for (const Seq& s : kSeqs) {
        if (i < s.tokens) return {n, s.id, s.firstPos + i};
        i -= s.tokens;
    }
    return {n, -1, -1};
}

// Checks one step against the file-order token indices it should hold, in order.
void expectStep(const Step& step, int64_t index, const std::vector<int>& tokens) {
    SCOPED_TRACE("step " + std::to_string(index));
    EXPECT_EQ(step.index, index);
    const int t = static_cast<int>(tokens.size());
    ASSERT_EQ(step.tokens, t);
    ASSERT_EQ(step.experts.size(), static_cast<size_t>(2 * t * 2));
    ASSERT_EQ(step.sequenceIds.size(), static_cast<size_t>(t));
    ASSERT_EQ(step.positions.size(), static_cast<size_t>(t));
    EXPECT_TRUE(step.weights.empty());
    EXPECT_TRUE(step.tokenIds.empty());
    EXPECT_TRUE(step.hidden.empty());
    for (int i = 0; i < t; ++i) {
        const Expected e = token(tokens[i]);
        EXPECT_EQ(step.sequenceIds[i], e.seq);
        EXPECT_EQ(step.positions[i], e.pos);
        const auto ids = idsOf(e.n);
        for (int l = 0; l < 2; ++l)
            for (int j = 0; j < 2; ++j)
                EXPECT_EQ(step.experts[(l * t + i) * 2 + j], ids[l * 2 + j])
                    << "layer " << l << " token " << i << " slot " << j;
    }
}

std::vector<std::vector<int>> run(Batching batching, int tokensPerStep, int batch,
                                  int64_t maxSteps = 0, std::vector<int64_t> stepTokens = {}) {
    test::ScratchDir dir;
    TraceWorkloadOptions o;
    o.path = dir.writeGzip("hand.tsv.gz", handMadeTrace());
    o.shape = kSmallShape;
    o.shape.stepTokens = std::move(stepTokens);
    o.batching = batching;
    o.tokensPerStep = tokensPerStep;
    o.batch = batch;
    o.maxSteps = maxSteps;
    TraceWorkload workload(o);
    EXPECT_EQ(workload.shape().layers, 2);
    EXPECT_EQ(workload.shape().experts, 4);
    EXPECT_EQ(workload.shape().topK, 2);
    EXPECT_TRUE(workload.shape().hasSequenceIds);
    EXPECT_TRUE(workload.shape().hasPositions);
    EXPECT_FALSE(workload.shape().hasWeights);
    EXPECT_FALSE(workload.shape().hasTokenIds);
    std::vector<std::vector<int>> steps;
    Step step;
    while (workload.next(step)) {
        // Recover file indices from (sequence, position) and check the whole step against them.
        std::vector<int> tokens;
        for (int i = 0; i < step.tokens; ++i)
            for (int n = 0; n < 8; ++n)
                if (token(n).seq == step.sequenceIds[i] && token(n).pos == step.positions[i])
                    tokens.push_back(n);
        expectStep(step, static_cast<int64_t>(steps.size()), tokens);
        steps.push_back(tokens);
    }
    EXPECT_FALSE(workload.next(step));  // stays at the end
    return steps;
}

using Steps = std::vector<std::vector<int>>;

TEST(TraceBatching, TokensModeCutsFileOrderIntoFixedSteps) {
    EXPECT_EQ(run(Batching::Tokens, 3, 0), (Steps{{0, 1, 2}, {3, 4, 5}, {6, 7}}));
    EXPECT_EQ(run(Batching::Tokens, 8, 0), (Steps{{0, 1, 2, 3, 4, 5, 6, 7}}));
    EXPECT_EQ(run(Batching::Tokens, 100, 0), (Steps{{0, 1, 2, 3, 4, 5, 6, 7}}));
    EXPECT_EQ(run(Batching::Tokens, 1, 0).size(), 8u);
}

TEST(TraceBatching, SequenceModeGivesOneStepPerSequence) {
    EXPECT_EQ(run(Batching::Sequence, 0, 0), (Steps{{0, 1, 2}, {3}, {4, 5}, {6, 7}}));
}

TEST(TraceBatching, ContinuousModeReplacesFinishedSequencesInFileOrder) {
    // B=2: A and B start; B ends after step 0 and C takes its slot; A and C end together after
    // step 2, D takes slot 0 and slot 1 stays empty: the tail steps have T=1.
    EXPECT_EQ(run(Batching::Continuous, 0, 2), (Steps{{0, 3}, {1, 4}, {2, 5}, {6}, {7}}));
}

TEST(TraceBatching, ContinuousWithOneSlotIsSequentialOneTokenSteps) {
    EXPECT_EQ(run(Batching::Continuous, 0, 1), (Steps{{0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}}));
}

TEST(TraceBatching, ContinuousWithMoreSlotsThanSequences) {
    EXPECT_EQ(run(Batching::Continuous, 0, 64), (Steps{{0, 3, 4, 6}, {1, 5, 7}, {2}}));
}

// The steps a recording ran, from the sidecar: file order cut at the recorded sizes.
TEST(TraceBatching, RecordedModeReplaysTheSidecarsSteps) {
    EXPECT_EQ(run(Batching::Recorded, 0, 0, 0, {3, 1, 4}), (Steps{{0, 1, 2}, {3}, {4, 5, 6, 7}}));
    EXPECT_EQ(run(Batching::Recorded, 0, 0, 2, {2, 6}), (Steps{{0, 1}, {2, 3, 4, 5, 6, 7}}));
}

TEST(TraceBatching, RecordedModeRefusesStepsThatDoNotMatchTheTrace) {
    test::ScratchDir dir;
    TraceWorkloadOptions o;
    o.path = dir.writeGzip("hand.tsv.gz", handMadeTrace());
    o.shape = kSmallShape;
    o.batching = Batching::Recorded;
    EXPECT_THROW(TraceWorkload{o}, Error) << "no recorded steps";
    Step step;
    o.shape.stepTokens = {3, 6};  // 9 tokens, the trace has 8
    TraceWorkload shortTrace(o);
    ASSERT_TRUE(shortTrace.next(step));
    try {
        shortTrace.next(step);
        ADD_FAILURE() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.file(), o.path);
        EXPECT_NE(std::string(e.what()).find("ends inside recorded step 1 (5 of its 6"),
                  std::string::npos)
            << e.what();
    }
    o.shape.stepTokens = {3, 4};  // 7 tokens: line 8 is left over
    TraceWorkload longTrace(o);
    ASSERT_TRUE(longTrace.next(step));
    ASSERT_TRUE(longTrace.next(step));
    try {
        longTrace.next(step);
        ADD_FAILURE() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.line(), 8);
        EXPECT_NE(std::string(e.what()).find("more tokens than the 2 recorded steps"),
                  std::string::npos)
            << e.what();
    }
}

TEST(TraceBatching, MaxStepsEndsEarly) {
    EXPECT_EQ(run(Batching::Continuous, 0, 2, 2), (Steps{{0, 3}, {1, 4}}));
    EXPECT_EQ(run(Batching::Tokens, 3, 0, 1), (Steps{{0, 1, 2}}));
    EXPECT_EQ(run(Batching::Sequence, 0, 0, 3), (Steps{{0, 1, 2}, {3}, {4, 5}}));
    EXPECT_EQ(run(Batching::Sequence, 0, 0, 100).size(), 4u);
}

TEST(TraceBatching, DescribeNamesPathAndBatching) {
    test::ScratchDir dir;
    TraceWorkloadOptions o;
    o.path = dir.writeGzip("hand.tsv.gz", handMadeTrace());
    o.shape = kSmallShape;
    o.batch = 64;
    EXPECT_EQ(TraceWorkload(o).describe(), "trace:" + o.path + " (continuous, B=64)");
    o.batching = Batching::Tokens;
    o.tokensPerStep = 512;
    o.maxSteps = 10;
    EXPECT_EQ(TraceWorkload(o).describe(), "trace:" + o.path + " (tokens, T=512, max 10 steps)");
    o.batching = Batching::Sequence;
    o.maxSteps = 0;
    EXPECT_EQ(TraceWorkload(o).describe(), "trace:" + o.path + " (sequence)");
}

TEST(TraceBatching, RejectsBadOptions) {
    test::ScratchDir dir;
    TraceWorkloadOptions o;
    o.path = dir.writeGzip("hand.tsv.gz", handMadeTrace());
    o.shape = kSmallShape;
    o.batch = 0;
    EXPECT_THROW(TraceWorkload{o}, Error);
    o.batching = Batching::Tokens;
    o.tokensPerStep = 0;
    EXPECT_THROW(TraceWorkload{o}, Error);
}

TEST(TraceBatching, BadLineSurfacesFromNext) {
    test::ScratchDir dir;
    TraceWorkloadOptions o;
    o.path = dir.writePlain("bad.tsv", handMadeTrace() + "13\t9\t0 1 2\n");
    o.shape = kSmallShape;
    o.batching = Batching::Tokens;
    o.tokensPerStep = 5;
    TraceWorkload workload(o);
    Step step;
    ASSERT_TRUE(workload.next(step));  // lines 1-5; the next step needs lines 6-9
    try {
        workload.next(step);
        ADD_FAILURE() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.line(), 9);
        EXPECT_EQ(e.file(), o.path);
    }
}

}  // namespace
}  // namespace moe
