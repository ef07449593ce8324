// Encoding: per (layer, expert) the replica count, the replica ranks, then their shares as
// doubles; all in one byte buffer so the broadcast is two collectives (size, bytes).
#include "core/engine/placement_broadcast.h"

#include <cstdint>
#include <cstring>
#include <vector>

#include "core/common/error.h"

namespace moe {
namespace {

template <typename T>
void put(std::vector<char>& out, T v) {
    const size_t at = out.size();
    out.resize(at + sizeof(T));
    std::memcpy(out.data() + at, &v, sizeof(T));
}

template <typename T>
T take(const std::vector<char>& in, size_t& at) {
    if (at + sizeof(T) > in.size()) throw Error("placement broadcast: truncated data");
    T v;
    std::memcpy(&v, in.data() + at, sizeof(T));
    at += sizeof(T);
    return v;
}

std::vector<char> encode(const Placement& p) {
    std::vector<char> out;
    put<int32_t>(out, p.layers());
    put<int32_t>(out, p.experts());
    put<int32_t>(out, p.ranks());
    for (int l = 0; l < p.layers(); ++l)
        for (int e = 0; e < p.experts(); ++e) {
            const auto& reps = p.replicas(l, e);
            put<int32_t>(out, static_cast<int32_t>(reps.size()));
            for (int r : reps) put<int32_t>(out, r);
            for (double s : p.shares(l, e)) put<double>(out, s);
        }
    return out;
}

Placement decode(const std::vector<char>& in) {
    size_t at = 0;
    const int L = take<int32_t>(in, at), E = take<int32_t>(in, at), G = take<int32_t>(in, at);
    Placement p(L, E, G);
    std::vector<double> shares;
    for (int l = 0; l < L; ++l)
        for (int e = 0; e < E; ++e) {
            const int n = take<int32_t>(in, at);
            for (int i = 0; i < n; ++i) p.addReplica(l, e, take<int32_t>(in, at), true);
            shares.resize(n);
            for (int i = 0; i < n; ++i) shares[i] = take<double>(in, at);
            if (n > 1) p.setShares(l, e, shares);
        }
    p.validate();
    return p;
}

}  // namespace

void broadcastPlacement(Communicator& comm, Placement& placement, int root) {
    std::vector<char> bytes;
    if (comm.rank() == root) bytes = encode(placement);
    uint64_t n = bytes.size();
    comm.broadcast(&n, sizeof n, root);
    bytes.resize(n);
    comm.broadcast(bytes.data(), n, root);
    placement = decode(bytes);
}

}  // namespace moe
