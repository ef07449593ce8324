// Collectives over shared memory. Pattern for each: publish my pointers, barrier, copy what
// is mine from every peer, barrier (so no peer reuses its buffer while others still read).
// The KeepingSend collectives leave out the second barrier: their callers promise not to touch
// the buffer until their next collective returns, whose barrier every peer passes only after
// it finished reading.
#include "core/comm/inproc_group.h"

#include <algorithm>
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
        allToAllVKeepingSend(send, sendBytes, recv, recvBytes);
        sync();
    }

    void allToAllVKeepingSend(const void* send, std::span<const size_t> sendBytes, void* recv,
                              std::span<const size_t> recvBytes) override {
        const int G = g_.size_;
        if (static_cast<int>(sendBytes.size()) != G || static_cast<int>(recvBytes.size()) != G)
            throw Error("allToAllV: counts must have one entry per rank");
        const int parity = publish({send, sendBytes.data(), 0, nullptr});
        sync();
        auto* out = static_cast<char*>(recv);
        for (int s = 0; s < G; ++s) {
            const auto& slot = g_.slot(parity, s);
            size_t offset = 0;  // where my block starts in rank s's send buffer
            for (int d = 0; d < rank_; ++d) offset += slot.sendBytes[d];
            const size_t n = slot.sendBytes[rank_];
            if (n != recvBytes[s])
                throw abortWith(Error("allToAllV: rank " + std::to_string(s) + " sends " +
                                      std::to_string(n) + " bytes to rank " +
                                      std::to_string(rank_) + ", which expects " +
                                      std::to_string(recvBytes[s])));
            if (n) std::memcpy(out, static_cast<const char*>(slot.send) + offset, n);
            out += n;
        }
    }

    void allToAllRowsKeepingSend(const void* send, RowList sendRows, void* recv, RowList recvRows,
                                 size_t rowBytes) override {
        const int G = g_.size_;
        checkRowLists(G, sendRows, recvRows);
        const int parity = publish({send, nullptr, rowBytes, nullptr, sendRows});
        sync();
        for (int s = 0; s < G; ++s) {
            const auto& slot = g_.slot(parity, s);
            const RowList& from = slot.rows;
            if (from.count(rank_) != recvRows.count(s) || slot.blockBytes != rowBytes)
                throw abortWith(Error("allToAllRows: rank " + std::to_string(s) + " sends " +
                                      std::to_string(from.count(rank_)) + " rows of " +
                                      std::to_string(slot.blockBytes) + " bytes to rank " +
                                      std::to_string(rank_) + ", which expects " +
                                      std::to_string(recvRows.count(s)) + " of " +
                                      std::to_string(rowBytes)));
            const auto* src = static_cast<const char*>(slot.send);
            for (size_t i = from.start[rank_], j = recvRows.start[s]; j < recvRows.start[s + 1];
                 ++i, ++j)
                std::memcpy(static_cast<char*>(recv) + recvRows.row(j) * rowBytes,
                            src + from.row(i) * rowBytes, rowBytes);
        }
    }

    void allToAll(const void* send, size_t blockBytes, void* recv) override {
        const int parity = publish({send, nullptr, blockBytes, nullptr});
        sync();
        for (int s = 0; s < g_.size_; ++s)
            std::memcpy(static_cast<char*>(recv) + s * blockBytes,
                        static_cast<const char*>(g_.slot(parity, s).send) + rank_ * blockBytes,
                        blockBytes);
        sync();
    }

    void allGather(const void* send, size_t bytes, void* recv) override {
        allGatherKeepingSend(send, bytes, recv);
        sync();
    }

    void allGatherKeepingSend(const void* send, size_t bytes, void* recv) override {
        const int parity = publish({send, nullptr, bytes, nullptr});
        sync();
        for (int s = 0; s < g_.size_; ++s)
            std::memcpy(static_cast<char*>(recv) + s * bytes, g_.slot(parity, s).send, bytes);
    }

    void allReduceSum(std::span<double> data) override {
        // Every rank sums all contributions in rank order, so results are bitwise identical.
        std::vector<double> mine(data.begin(), data.end());
        const int parity = publish({nullptr, nullptr, 0, mine.data()});
        sync();
        for (size_t i = 0; i < data.size(); ++i) {
            double sum = 0;
            for (int s = 0; s < g_.size_; ++s) sum += g_.slot(parity, s).reduce[i];
            data[i] = sum;
        }
        sync();
    }

    void broadcast(void* data, size_t bytes, int root) override {
        if (root < 0 || root >= g_.size_)
            throw Error("broadcast: root " + std::to_string(root) + " out of range");
        const int parity = publish({data, nullptr, bytes, nullptr});
        sync();
        const auto& from = g_.slot(parity, root);
        if (from.blockBytes != bytes) {
            g_.barrier_.abort();  // the peers' sizes disagree too: release them from the barrier
            throw Error("broadcast: rank " + std::to_string(root) + " sends " +
                        std::to_string(from.blockBytes) + " bytes, rank " + std::to_string(rank_) +
                        " expects " + std::to_string(bytes));
        }
        if (rank_ != root && bytes) std::memcpy(data, from.send, bytes);
        sync();
    }

    void barrier() override { sync(); }
    void abort() override { g_.barrier_.abort(); }

private:
    // Collectives alternate between two sets of slots, so a rank that returned early from a
    // KeepingSend collective cannot overwrite the slot a slower peer still reads: it reaches
    // the same set again only after the next collective's barrier, which that peer must pass.
    int publish(const InProcessGroup::Slot& mine) {
        const int parity = static_cast<int>(g_.calls_[rank_]++ & 1u);
        g_.slot(parity, rank_) = mine;
        return parity;
    }

    // A peer that found nothing wrong may already have returned (KeepingSend): break the
    // collectives so it fails at its next one instead of waiting there for this rank.
    Error abortWith(Error e) {
        g_.barrier_.abort();
        return e;
    }

    void sync() { g_.barrier_.arriveAndWait(&g_.waited_[rank_]); }

    InProcessGroup& g_;
    int rank_;
};

InProcessGroup::InProcessGroup(int size)
    : size_(size),
      barrier_(size > 0 ? size : 1),
      slots_(size > 0 ? 2 * static_cast<size_t>(size) : 0),
      calls_(size > 0 ? size : 0, 0),
      waited_(size > 0 ? size : 0, 0.0) {
    if (size <= 0) throw Error("rank count must be positive, got " + std::to_string(size));
    for (int r = 0; r < size; ++r)
        ranks_.push_back(std::make_unique<InProcessCommunicator>(*this, r));
}

InProcessGroup::~InProcessGroup() = default;

double InProcessGroup::waitedCpuSeconds() const {
    double sum = 0;
    for (double w : waited_) sum += w;
    return sum;
}

void InProcessGroup::reset() {
    barrier_.reset();
    std::fill(calls_.begin(), calls_.end(), 0u);  // a failed step may have left ranks apart
}

}  // namespace moe
