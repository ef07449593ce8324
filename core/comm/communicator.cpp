// The Communicator's default row exchange: for communicators that move contiguous bytes (MPI),
// pack the rows into rank order, exchange, and unpack. Shared-memory ranks override it to copy
// each row once, from where it lies to where it goes.
#include "core/comm/communicator.h"

#include <cstring>
#include <vector>

namespace moe {

void checkRowLists(int ranks, const RowList& sendRows, const RowList& recvRows) {
    if (static_cast<int>(sendRows.start.size()) != ranks + 1 ||
        static_cast<int>(recvRows.start.size()) != ranks + 1)
        throw Error("allToAllRows: row lists must have one start per rank plus the end");
}

void Communicator::allToAllRowsKeepingSend(const void* send, RowList sendRows, void* recv,
                                           RowList recvRows, size_t rowBytes) {
    const int G = size();
    checkRowLists(G, sendRows, recvRows);
    // The lists' entries from start[0] to start[G], packed in that order.
    const size_t sent = sendRows.start[G] - sendRows.start[0],
                 received = recvRows.start[G] - recvRows.start[0];
    std::vector<char> packed(sent * rowBytes), unpacked(received * rowBytes);
    for (size_t i = 0; i < sent; ++i)
        std::memcpy(packed.data() + i * rowBytes,
                    static_cast<const char*>(send) + sendRows.row(sendRows.start[0] + i) * rowBytes,
                    rowBytes);
    std::vector<size_t> sendBytes(G), recvBytes(G);
    for (int r = 0; r < G; ++r) {
        sendBytes[r] = sendRows.count(r) * rowBytes;
        recvBytes[r] = recvRows.count(r) * rowBytes;
    }
    allToAllV(packed.data(), sendBytes, unpacked.data(), recvBytes);
    for (size_t i = 0; i < received; ++i)
        std::memcpy(static_cast<char*>(recv) + recvRows.row(recvRows.start[0] + i) * rowBytes,
                    unpacked.data() + i * rowBytes, rowBytes);
}

}  // namespace moe
