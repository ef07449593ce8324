// Each message is a fixed header (status, step index, tokens, element counts) followed by the
// non-empty arrays; a status of "error" carries the root's message instead.
#include "core/engine/broadcast_workload.h"

#include <array>
#include <cstdint>

#include "core/common/error.h"

namespace moe {
namespace {

enum Status : int64_t { kEnd = 0, kStep = 1, kError = 2 };
enum Field { kStatus, kIndex, kTokens, kExperts, kWeights, kSeq, kPos, kTok, kFields };
using Header = std::array<int64_t, kFields>;

void sendString(Communicator& comm, std::string& s, int root) {
    uint64_t n = s.size();
    comm.broadcast(&n, sizeof n, root);
    s.resize(n);
    comm.broadcast(s.data(), n, root);
}

// The root's span (read only: a broadcast never writes the root's buffer) or our own buffer.
template <typename T>
std::span<const T> carry(Communicator& comm, int root, std::span<const T> mine, int64_t n,
                         std::vector<T>& store) {
    if (n == 0) return {};
    if (comm.rank() == root) {
        comm.broadcast(const_cast<T*>(mine.data()), mine.size_bytes(), root);
        return mine;
    }
    store.resize(n);
    comm.broadcast(store.data(), store.size() * sizeof(T), root);
    return store;
}

}  // namespace

BroadcastWorkload::BroadcastWorkload(Communicator& comm, const Opener& open, int root)
    : comm_(comm), root_(root) {
    std::string error;
    std::array<int32_t, 8> shape{};
    if (isRoot()) {
        try {
            source_ = open();
            const WorkloadShape& s = source_->shape();
            shape = {s.layers,         s.experts,      s.topK,        s.hasWeights,
                     s.hasSequenceIds, s.hasPositions, s.hasTokenIds, 0};
            describe_ = source_->describe();
        } catch (const std::exception& e) {
            error = e.what();
            shape[7] = 1;  // says "an error follows"
        }
    }
    // Every rank, the root included, throws the same CollectiveError: the job can then end
    // normally with the message printed once.
    comm_.broadcast(shape.data(), sizeof shape, root_);
    if (shape[7]) {
        sendString(comm_, error, root_);
        throw CollectiveError(error);
    }
    shape_.layers = shape[0];
    shape_.experts = shape[1];
    shape_.topK = shape[2];
    shape_.hasWeights = shape[3];
    shape_.hasSequenceIds = shape[4];
    shape_.hasPositions = shape[5];
    shape_.hasTokenIds = shape[6];
    sendString(comm_, describe_, root_);
}

BroadcastWorkload::~BroadcastWorkload() = default;

void BroadcastWorkload::sendError(const std::string& message) {
    Header h{};
    h[kStatus] = kError;
    comm_.broadcast(h.data(), sizeof h, root_);
    std::string m = message;
    sendString(comm_, m, root_);
    ended_ = true;
}

bool BroadcastWorkload::next(Step& step) {
    if (ended_) return false;
    Header h{};
    if (isRoot()) {
        bool more = false;
        try {
            more = source_->next(step);
        } catch (const std::exception& e) {
            sendError(e.what());
            throw CollectiveError(e.what());
        }
        h[kStatus] = more ? kStep : kEnd;
        if (more) {
            h[kIndex] = step.index;
            h[kTokens] = step.tokens;
            h[kExperts] = static_cast<int64_t>(step.experts.size());
            h[kWeights] = static_cast<int64_t>(step.weights.size());
            h[kSeq] = static_cast<int64_t>(step.sequenceIds.size());
            h[kPos] = static_cast<int64_t>(step.positions.size());
            h[kTok] = static_cast<int64_t>(step.tokenIds.size());
        }
    }
    comm_.broadcast(h.data(), sizeof h, root_);
    if (h[kStatus] == kError) {
        std::string message;
        sendString(comm_, message, root_);
        ended_ = true;
        throw CollectiveError(message);
    }
    if (h[kStatus] == kEnd) {
        ended_ = true;
        return false;
    }
    if (!isRoot()) step = Step{};
    step.index = h[kIndex];
    step.tokens = static_cast<int>(h[kTokens]);
    step.experts = carry(comm_, root_, step.experts, h[kExperts], experts_);
    step.weights = carry(comm_, root_, step.weights, h[kWeights], weights_);
    step.sequenceIds = carry(comm_, root_, step.sequenceIds, h[kSeq], sequenceIds_);
    step.positions = carry(comm_, root_, step.positions, h[kPos], positions_);
    step.tokenIds = carry(comm_, root_, step.tokenIds, h[kTok], tokenIds_);
    step.hidden = {};
    step.modelInput = {};
    return true;
}

void BroadcastWorkload::finish() {
    if (!isRoot() || ended_) return;
    Header h{};
    h[kStatus] = kEnd;
    comm_.broadcast(h.data(), sizeof h, root_);
    ended_ = true;
}

}  // namespace moe
