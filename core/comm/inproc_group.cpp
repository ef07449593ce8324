// Collectives over shared memory. Pattern for each: publish my pointers, barrier, copy what
// is mine from every peer, barrier (so no peer reuses its buffer while others still read).
#include "core/comm/inproc_group.h"

#include <cstring>
#include <numeric>

#include "core/common/error.h"

namespace moe {

class InProcessCommunicator final : public Communicator {
public:
    InProcessCommunicator(InProcessGroup& g, int rank) : g_(g), rank_(rank) {}
    int rank() const override { return rank_; }
    int size() const override { return g_.size_; }
    std::string kind() const override { return "inproc"; }

    void allToAllV(const void* send, std::span<const size_t> sendBytes, void* recv,
                   std::span<const size_t> recvBytes) override {
        const int G = g_.size_;
        if (static_cast<int>(sendBytes.size()) != G || static_cast<int>(recvBytes.size()) != G)
            throw Error("allToAllV: counts must have one entry per rank");
        g_.slots_[rank_] = {send, sendBytes.data(), 0, nullptr};
        g_.barrier_.arriveAndWait();
        auto* out = static_cast<char*>(recv);
        for (int s = 0; s < G; ++s) {
            const auto& slot = g_.slots_[s];
            size_t offset = 0;  // where my block starts in rank s's send buffer
            for (int d = 0; d < rank_; ++d) offset += slot.sendBytes[d];
            const size_t n = slot.sendBytes[rank_];
            if (n != recvBytes[s])
                throw Error("allToAllV: rank " + std::to_string(s) + " sends " + std::to_string(n) +
                            " bytes to rank " + std::to_string(rank_) + ", which expects " +
                            std::to_string(recvBytes[s]));
            if (n) std::memcpy(out, static_cast<const char*>(slot.send) + offset, n);
            out += n;
        }
        g_.barrier_.arriveAndWait();
    }

    void allToAll(const void* send, size_t blockBytes, void* recv) override {
        g_.slots_[rank_] = {send, nullptr, blockBytes, nullptr};
        g_.barrier_.arriveAndWait();
        for (int s = 0; s < g_.size_; ++s)
            std::memcpy(static_cast<char*>(recv) + s * blockBytes,
                        static_cast<const char*>(g_.slots_[s].send) + rank_ * blockBytes,
                        blockBytes);
        g_.barrier_.arriveAndWait();
    }

    void allGather(const void* send, size_t bytes, void* recv) override {
        g_.slots_[rank_] = {send, nullptr, bytes, nullptr};
        g_.barrier_.arriveAndWait();
        for (int s = 0; s < g_.size_; ++s)
            std::memcpy(static_cast<char*>(recv) + s * bytes, g_.slots_[s].send, bytes);
        g_.barrier_.arriveAndWait();
    }

    void allReduceSum(std::span<double> data) override {
        // Every rank sums all contributions in rank order, so results are bitwise identical.
        std::vector<double> mine(data.begin(), data.end());
        g_.slots_[rank_] = {nullptr, nullptr, 0, mine.data()};
        g_.barrier_.arriveAndWait();
        for (size_t i = 0; i < data.size(); ++i) {
            double sum = 0;
            for (int s = 0; s < g_.size_; ++s) sum += g_.slots_[s].reduce[i];
            data[i] = sum;
        }
        g_.barrier_.arriveAndWait();
    }

    void broadcast(void* data, size_t bytes, int root) override {
        if (root < 0 || root >= g_.size_)
            throw Error("broadcast: root " + std::to_string(root) + " out of range");
        g_.slots_[rank_] = {data, nullptr, bytes, nullptr};
        g_.barrier_.arriveAndWait();
        const auto& from = g_.slots_[root];
        if (from.blockBytes != bytes) {
            g_.barrier_.abort();  // the peers' sizes disagree too: release them from the barrier
            throw Error("broadcast: rank " + std::to_string(root) + " sends " +
                        std::to_string(from.blockBytes) + " bytes, rank " + std::to_string(rank_) +
                        " expects " + std::to_string(bytes));
        }
        if (rank_ != root && bytes) std::memcpy(data, from.send, bytes);
        g_.barrier_.arriveAndWait();
    }

    void barrier() override { g_.barrier_.arriveAndWait(); }
    void abort() override { g_.barrier_.abort(); }

private:
    InProcessGroup& g_;
    int rank_;
};

InProcessGroup::InProcessGroup(int size)
    : size_(size), barrier_(size > 0 ? size : 1), slots_(size > 0 ? size : 0) {
    if (size <= 0) throw Error("rank count must be positive, got " + std::to_string(size));
    for (int r = 0; r < size; ++r)
        ranks_.push_back(std::make_unique<InProcessCommunicator>(*this, r));
}

InProcessGroup::~InProcessGroup() = default;

}  // namespace moe
