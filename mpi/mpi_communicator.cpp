// MPI collectives behind the Communicator contract. Counts are bytes (MPI_BYTE), checked
// against the sizes every rank computed for itself; MPI's int counts are honoured by chunking
// or by a pairwise exchange when a message passes 2 GiB. Sums go through an all-gather and a
// rank-ordered sum so every rank gets the same bits, as the in-process ranks do.
// Messages larger than maxMessage_ (INT_MAX unless a test lowers it) are split.
#include "mpi/mpi_communicator.h"

#include <algorithm>
#include <climits>
#include <filesystem>
#include <vector>

#include "core/comm/abortable_barrier.h"
#include "core/common/error.h"

namespace moe::mpi {
namespace {

int asInt(size_t n) { return static_cast<int>(n); }

}  // namespace

void check(int rc, const char* call, SourceLocation at) {
    if (rc == MPI_SUCCESS) return;
    char text[MPI_MAX_ERROR_STRING] = {};
    int len = 0;
    if (MPI_Error_string(rc, text, &len) != MPI_SUCCESS) len = 0;
    throw Error(std::string("MPI: ") + call + " failed: " + std::string(text, len) + " (" +
                    std::filesystem::path(at.file_name()).filename().string() + ":" +
                    std::to_string(at.line()) + ")",
                at);
}

MpiCommunicator::MpiCommunicator(MPI_Comm comm) : maxMessage_(INT_MAX) {
    int initialised = 0;
    check(MPI_Initialized(&initialised), "MPI_Initialized");
    if (!initialised) throw Error("MPI communicator made before MPI was initialised");
    check(MPI_Comm_dup(comm, &comm_), "MPI_Comm_dup");
    check(MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
    check(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
    check(MPI_Comm_size(comm_, &size_), "MPI_Comm_size");
    // Ranks per machine: what the CLI divides the cores by. Machines: the local leaders.
    MPI_Comm local = MPI_COMM_NULL;
    check(MPI_Comm_split_type(comm_, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &local),
          "MPI_Comm_split_type");
    check(MPI_Comm_rank(local, &localRank_), "MPI_Comm_rank");
    check(MPI_Comm_size(local, &localSize_), "MPI_Comm_size");
    MPI_Comm_free(&local);
    int leader = localRank_ == 0 ? 1 : 0;
    check(MPI_Allreduce(&leader, &hosts_, 1, MPI_INT, MPI_SUM, comm_), "MPI_Allreduce");
}

MpiCommunicator::~MpiCommunicator() {
    // After an abort the peers may be gone; freeing is collective in some implementations.
    if (comm_ != MPI_COMM_NULL && !aborted_) MPI_Comm_free(&comm_);
}

void MpiCommunicator::ensureUsable() const {
    if (aborted_) throw PeerFailure();
}

void MpiCommunicator::allToAllV(const void* send, std::span<const size_t> sendBytes, void* recv,
                                std::span<const size_t> recvBytes) {
    ensureUsable();
    const int G = size_;
    if (static_cast<int>(sendBytes.size()) != G || static_cast<int>(recvBytes.size()) != G)
        throw Error("allToAllV: counts must have one entry per rank");
    // Byte counts, offsets and totals must fit MPI's int for the collective itself.
    std::vector<int> sc(G), sd(G), rc(G), rd(G);
    size_t so = 0, ro = 0;
    bool fits = true;
    for (int r = 0; r < G; ++r) {
        fits = fits && sendBytes[r] <= maxMessage_ && recvBytes[r] <= maxMessage_ &&
               so <= maxMessage_ && ro <= maxMessage_;
        sc[r] = asInt(std::min<size_t>(sendBytes[r], INT_MAX));
        rc[r] = asInt(std::min<size_t>(recvBytes[r], INT_MAX));
        sd[r] = asInt(std::min<size_t>(so, INT_MAX));
        rd[r] = asInt(std::min<size_t>(ro, INT_MAX));
        so += sendBytes[r];
        ro += recvBytes[r];
    }
    // One small exchange settles two things: a sender and receiver that disagree on a size
    // (which MPI would turn into corrupt data or a hang) are caught on the receiving rank, and
    // every rank learns whether all ranks can use the int-counted collective, so all take the
    // same path.
    std::vector<unsigned long long> mine(2 * static_cast<size_t>(G)), theirs(mine.size());
    for (int d = 0; d < G; ++d) {
        mine[2 * d] = sendBytes[d];
        mine[2 * d + 1] = fits ? 1 : 0;
    }
    check(MPI_Alltoall(mine.data(), 2, MPI_UNSIGNED_LONG_LONG, theirs.data(), 2,
                       MPI_UNSIGNED_LONG_LONG, comm_),
          "MPI_Alltoall");
    bool everyoneFits = true;
    for (int s = 0; s < G; ++s) {
        if (theirs[2 * s] != recvBytes[s])
            throw Error("allToAllV: rank " + std::to_string(s) + " sends " +
                        std::to_string(theirs[2 * s]) + " bytes to rank " + std::to_string(rank_) +
                        ", which expects " + std::to_string(recvBytes[s]));
        everyoneFits = everyoneFits && theirs[2 * s + 1] != 0;
    }
    if (everyoneFits)
        check(MPI_Alltoallv(send, sc.data(), sd.data(), MPI_BYTE, recv, rc.data(), rd.data(),
                            MPI_BYTE, comm_),
              "MPI_Alltoallv");
    else
        allToAllVLarge(static_cast<const char*>(send), sendBytes, static_cast<char*>(recv),
                       recvBytes);
}

void MpiCommunicator::allToAllVLarge(const char* send, std::span<const size_t> sendBytes,
                                     char* recv, std::span<const size_t> recvBytes) {
    const int G = size_;
    std::vector<size_t> sendOff(G + 1, 0), recvOff(G + 1, 0);
    for (int r = 0; r < G; ++r) {
        sendOff[r + 1] = sendOff[r] + sendBytes[r];
        recvOff[r + 1] = recvOff[r] + recvBytes[r];
    }
    std::vector<MPI_Request> requests;
    for (int r = 0; r < G; ++r) {
        for (size_t at = 0; at < recvBytes[r]; at += maxMessage_) {
            requests.emplace_back();
            check(MPI_Irecv(recv + recvOff[r] + at, asInt(std::min(maxMessage_, recvBytes[r] - at)),
                            MPI_BYTE, r, 0, comm_, &requests.back()),
                  "MPI_Irecv");
        }
        for (size_t at = 0; at < sendBytes[r]; at += maxMessage_) {
            requests.emplace_back();
            check(MPI_Isend(send + sendOff[r] + at, asInt(std::min(maxMessage_, sendBytes[r] - at)),
                            MPI_BYTE, r, 0, comm_, &requests.back()),
                  "MPI_Isend");
        }
    }
    // Chunks between one pair of ranks match in order: MPI keeps messages non-overtaking.
    check(MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE),
          "MPI_Waitall");
}

void MpiCommunicator::allToAll(const void* send, size_t blockBytes, void* recv) {
    ensureUsable();
    if (blockBytes * static_cast<size_t>(size_) <= maxMessage_) {
        check(MPI_Alltoall(send, asInt(blockBytes), MPI_BYTE, recv, asInt(blockBytes), MPI_BYTE,
                           comm_),
              "MPI_Alltoall");
        return;
    }
    const std::vector<size_t> counts(size_, blockBytes);
    allToAllV(send, counts, recv, counts);
}

void MpiCommunicator::allGather(const void* send, size_t bytes, void* recv) {
    ensureUsable();
    if (bytes * static_cast<size_t>(size_) <= maxMessage_) {
        check(MPI_Allgather(send, asInt(bytes), MPI_BYTE, recv, asInt(bytes), MPI_BYTE, comm_),
              "MPI_Allgather");
        return;
    }
    // Large blocks: every rank's block is broadcast from its owner, in chunks.
    auto* out = static_cast<char*>(recv);
    std::copy_n(static_cast<const char*>(send), bytes, out + static_cast<size_t>(rank_) * bytes);
    for (int r = 0; r < size_; ++r) broadcast(out + static_cast<size_t>(r) * bytes, bytes, r);
}

void MpiCommunicator::allReduceSum(std::span<double> data) {
    ensureUsable();
    std::vector<double> all(data.size() * static_cast<size_t>(size_));
    allGather(data.data(), data.size_bytes(), all.data());
    for (size_t i = 0; i < data.size(); ++i) {
        double sum = 0;
        for (int s = 0; s < size_; ++s) sum += all[static_cast<size_t>(s) * data.size() + i];
        data[i] = sum;
    }
}

void MpiCommunicator::broadcast(void* data, size_t bytes, int root) {
    ensureUsable();
    if (root < 0 || root >= size_)
        throw Error("broadcast: root " + std::to_string(root) + " out of range");
    // The root's size travels first: a receiver expecting another size is an error, not a hang.
    unsigned long long n = bytes;
    check(MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, root, comm_), "MPI_Bcast");
    if (n != bytes)
        throw Error("broadcast: rank " + std::to_string(root) + " sends " + std::to_string(n) +
                    " bytes, rank " + std::to_string(rank_) + " expects " + std::to_string(bytes));
    auto* p = static_cast<char*>(data);
    for (size_t at = 0; at < bytes; at += maxMessage_)
        check(MPI_Bcast(p + at, asInt(std::min(maxMessage_, bytes - at)), MPI_BYTE, root, comm_),
              "MPI_Bcast");
}

void MpiCommunicator::barrier() {
    ensureUsable();
    check(MPI_Barrier(comm_), "MPI_Barrier");
}

}  // namespace moe::mpi
