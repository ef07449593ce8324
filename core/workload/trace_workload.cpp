// The four batchings over one trace. Every mode gathers the step's tokens as pointers to
// token-major rows, then fillStep() transposes them into the layer-major layout of Step.
#include "core/workload/trace_workload.h"

#include <algorithm>

#include "core/common/error.h"

namespace moe {

TraceWorkload::TraceWorkload(const TraceWorkloadOptions& options)
    : options_(options), reader_(options.path, options.shape), sequences_(reader_) {
    if (options_.batching == Batching::Tokens && options_.tokensPerStep < 1)
        throw Error("tokens per step must be at least 1, got " +
                    std::to_string(options_.tokensPerStep));
    if (options_.batching == Batching::Continuous && options_.batch < 1)
        throw Error("batch (sequences in flight) must be at least 1, got " +
                    std::to_string(options_.batch));
    if (options_.batching == Batching::Recorded && options_.shape.stepTokens.empty())
        throw Error(options_.path +
                    ": no recorded steps to replay (its .shape sidecar has no step_tokens=; "
                    "`import` writes them for recordings whose sequences never span steps): "
                    "use --batching tokens, sequence or continuous");
    if (options_.maxSteps < 0)
        throw Error("max steps must be 0 (no limit) or more, got " +
                    std::to_string(options_.maxSteps));
    shape_.layers = options_.shape.layers;
    shape_.experts = options_.shape.experts;
    shape_.topK = options_.shape.topK;
    shape_.modelLayers = options_.shape.modelLayers;
    shape_.hasSequenceIds = true;
    shape_.hasPositions = true;
    idsPerToken_ = options_.shape.idsPerToken();
    if (options_.batching == Batching::Tokens)
        staged_.reserve(static_cast<size_t>(options_.tokensPerStep) * idsPerToken_);
}

// The recorded steps: step s is the next stepTokens[s] lines, and the file ends with the last.
bool TraceWorkload::gatherRecorded() {
    const auto& sizes = options_.shape.stepTokens;
    TraceRecord record;
    if (stepIndex_ >= static_cast<int64_t>(sizes.size())) {
        if (reader_.next(record))
            throw Error::inFile(options_.path, record.line,
                                "more tokens than the " + std::to_string(sizes.size()) +
                                    " recorded steps of its .shape (step_tokens=) hold");
        return false;
    }
    const int64_t want = sizes[static_cast<size_t>(stepIndex_)];
    const int64_t count = stageLines(want);
    if (count < want)
        throw Error::inFile(options_.path, reader_.linesRead(),
                            "ends inside recorded step " + std::to_string(stepIndex_) + " (" +
                                std::to_string(count) + " of its " + std::to_string(want) +
                                " tokens; .shape step_tokens=)");
    return true;
}

std::string TraceWorkload::describe() const {
    std::string text = "trace:" + options_.path + " (" + batchingName(options_.batching);
    if (options_.batching == Batching::Tokens)
        text += ", T=" + std::to_string(options_.tokensPerStep);
    if (options_.batching == Batching::Continuous) text += ", B=" + std::to_string(options_.batch);
    if (options_.batching == Batching::Recorded)
        text += ", " + std::to_string(options_.shape.stepTokens.size()) + " steps";
    if (options_.maxSteps > 0) text += ", max " + std::to_string(options_.maxSteps) + " steps";
    return text + ")";
}

bool TraceWorkload::next(Step& step) {
    if (options_.maxSteps > 0 && stepIndex_ >= options_.maxSteps) return false;
    rows_.clear();
    sequenceIds_.clear();
    positions_.clear();
    bool any = false;
    switch (options_.batching) {
        case Batching::Tokens:
            any = gatherTokens();
            break;
        case Batching::Sequence:
            any = gatherSequence();
            break;
        case Batching::Continuous:
            any = gatherContinuous();
            break;
        case Batching::Recorded:
            any = gatherRecorded();
            break;
    }
    if (!any) return false;
    fillStep(step);
    return true;
}

void TraceWorkload::addToken(const int32_t* row, int32_t sequenceId, int32_t position) {
    rows_.push_back(row);
    sequenceIds_.push_back(sequenceId);
    positions_.push_back(position);
}

// The next `want` lines in file order (fewer at the end of the file), staged as the step's rows.
int64_t TraceWorkload::stageLines(int64_t want) {
    staged_.clear();
    TraceRecord record;
    int64_t count = 0;
    for (; count < want && reader_.next(record); ++count) {
        staged_.insert(staged_.end(), record.experts.begin(), record.experts.end());
        sequenceIds_.push_back(record.sequenceId);
        positions_.push_back(record.position);
    }
    // Pointers only after staging is complete: insert() may move the buffer.
    for (int64_t t = 0; t < count; ++t)
        rows_.push_back(staged_.data() + static_cast<size_t>(t) * idsPerToken_);
    return count;
}

bool TraceWorkload::gatherTokens() { return stageLines(options_.tokensPerStep) > 0; }

bool TraceWorkload::gatherSequence() {
    if (!sequences_.next(sequence_)) return false;
    for (int t = 0; t < sequence_.tokens; ++t)
        addToken(sequence_.row(t, idsPerToken_).data(), sequence_.sequenceId,
                 sequence_.firstPosition + t);
    return true;
}

// B slots; each step takes the next token of every sequence in flight. A slot whose sequence
// ended in the previous step took the next sequence of the file before this one (slot order).
bool TraceWorkload::gatherContinuous() {
    if (!started_) {
        slots_.resize(static_cast<size_t>(options_.batch));
        for (Slot& slot : slots_) slot.active = sequences_.next(slot.sequence);
        started_ = true;
    } else {
        for (Slot& slot : slots_) {
            if (!slot.active || slot.cursor < slot.sequence.tokens) continue;
            slot.cursor = 0;
            slot.active = sequences_.next(slot.sequence);
        }
    }
    for (Slot& slot : slots_) {
        if (!slot.active) continue;
        addToken(slot.sequence.row(slot.cursor, idsPerToken_).data(), slot.sequence.sequenceId,
                 slot.sequence.firstPosition + slot.cursor);
        ++slot.cursor;
    }
    return !rows_.empty();
}

void TraceWorkload::fillStep(Step& step) {
    const int tokens = static_cast<int>(rows_.size());
    const int layers = shape_.layers;
    const int k = shape_.topK;
    experts_.resize(static_cast<size_t>(layers) * tokens * k);
    int32_t* out = experts_.data();
    for (int l = 0; l < layers; ++l)
        for (int t = 0; t < tokens; ++t) {
            const int32_t* src = rows_[static_cast<size_t>(t)] + static_cast<size_t>(l) * k;
            out = std::copy(src, src + k, out);
        }
    step = Step{};
    step.index = stepIndex_++;
    step.tokens = tokens;
    step.experts = experts_;
    step.sequenceIds = sequenceIds_;
    step.positions = positions_;
}

}  // namespace moe
