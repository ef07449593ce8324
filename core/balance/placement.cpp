// Placement bookkeeping and the contiguous baseline (MoETuner's and EPLB's reference point).
#include "core/balance/placement.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "core/common/error.h"

namespace moe {

Placement::Placement(int layers, int experts, int ranks)
    : layers_(layers),
      experts_(experts),
      ranks_(ranks),
      replicas_(static_cast<size_t>(layers) * experts),
      shares_(replicas_.size()) {
    if (layers <= 0 || experts <= 0 || ranks <= 0)
        throw Error("placement needs positive layers, experts and ranks");
}

Placement Placement::contiguous(int layers, int experts, int ranks) {
    Placement p(layers, experts, ranks);
    if (ranks > experts)
        throw Error(std::to_string(ranks) + " ranks but only " + std::to_string(experts) +
                    " experts: every rank must hold at least one expert");
    const int base = experts / ranks, extra = experts % ranks;
    for (int l = 0; l < layers; ++l) {
        int e = 0;
        for (int r = 0; r < ranks; ++r)
            for (int i = 0; i < base + (r < extra ? 1 : 0); ++i) p.addReplica(l, e++, r);
    }
    return p;
}

void Placement::addReplica(int layer, int expert, int rank, bool allowSameRank) {
    if (layer < 0 || layer >= layers_)
        throw Error("replica layer " + std::to_string(layer) + " out of range");
    if (expert < 0 || expert >= experts_)
        throw Error("replica expert " + std::to_string(expert) + " out of range");
    if (rank < 0 || rank >= ranks_)
        throw Error("replica rank " + std::to_string(rank) + " out of range 0.." +
                    std::to_string(ranks_ - 1));
    auto& r = replicas_[idx(layer, expert)];
    if (!allowSameRank && std::find(r.begin(), r.end(), rank) != r.end())
        throw Error("expert " + std::to_string(expert) + " of layer " + std::to_string(layer) +
                    " already has a replica on rank " + std::to_string(rank));
    r.push_back(rank);
    shares_[idx(layer, expert)].assign(r.size(), 1.0 / static_cast<double>(r.size()));
}

void Placement::setShares(int layer, int expert, std::vector<double> shares) {
    auto& r = replicas_[idx(layer, expert)];
    if (shares.size() != r.size())
        throw Error("expert " + std::to_string(expert) + " has " + std::to_string(r.size()) +
                    " replicas but " + std::to_string(shares.size()) + " shares were given");
    double sum = 0;
    for (double v : shares) {
        if (!(v >= 0)) throw Error("replica shares must be >= 0");
        sum += v;
    }
    if (sum <= 0)
        throw Error("replica shares of expert " + std::to_string(expert) + " are all zero");
    for (double& v : shares) v /= sum;
    shares_[idx(layer, expert)] = std::move(shares);
}

long long Placement::boundary(int layer, int expert, size_t i, long long n) const {
    const auto& s = shares_[idx(layer, expert)];
    if (i >= s.size()) return n;
    double c = 0;
    for (size_t k = 0; k < i; ++k) c += s[k];
    // Equal shares give ceil(i * n / count) exactly: compute that case in integers.
    bool equal = true;
    for (double v : s) equal &= v == s[0];
    if (equal)
        return (static_cast<long long>(i) * n + static_cast<long long>(s.size()) - 1) /
               static_cast<long long>(s.size());
    return std::min<long long>(
        n, static_cast<long long>(std::ceil(static_cast<double>(n) * c - 1e-9)));
}

void Placement::boundaries(int layer, int expert, long long n, std::vector<long long>& out) const {
    const auto& s = shares_[idx(layer, expert)];
    const size_t count = s.size();
    out.resize(count + 1);
    bool equal = true;
    for (double v : s) equal &= v == s[0];
    double c = 0;  // the same running sum, in the same order, as boundary()
    for (size_t i = 0; i < count; ++i) {
        out[i] = equal
                     ? (static_cast<long long>(i) * n + static_cast<long long>(count) - 1) /
                           static_cast<long long>(count)
                     : std::min<long long>(
                           n, static_cast<long long>(std::ceil(static_cast<double>(n) * c - 1e-9)));
        c += s[i];
    }
    out[count] = n;
}

std::vector<double> Placement::rankLoads(int layer, const std::vector<double>& load) const {
    std::vector<double> out(ranks_, 0.0);
    for (int e = 0; e < experts_; ++e) {
        const auto& r = replicas_[idx(layer, e)];
        const auto& s = shares_[idx(layer, e)];
        for (size_t i = 0; i < r.size(); ++i) out[r[i]] += load[e] * s[i];
    }
    return out;
}

int Placement::movedExperts(const Placement& before, int layer) const {
    int moved = 0;
    for (int e = 0; e < experts_; ++e) {
        auto a = replicas_[idx(layer, e)], b = before.replicas_[before.idx(layer, e)];
        std::sort(a.begin(), a.end());
        std::sort(b.begin(), b.end());
        moved += a != b ? 1 : 0;
    }
    return moved;
}

int Placement::addedReplicas(const Placement& before, int layer) const {
    int added = 0;
    for (int e = 0; e < experts_; ++e) {
        std::vector<int> old = before.replicas_[before.idx(layer, e)];
        for (int r : replicas_[idx(layer, e)]) {
            const auto it = std::find(old.begin(), old.end(), r);
            if (it == old.end())
                ++added;
            else
                old.erase(it);  // a rank keeping a replica moves nothing
        }
    }
    return added;
}

bool Placement::hosts(int layer, int expert, int rank) const {
    const auto& r = replicas_[idx(layer, expert)];
    return std::find(r.begin(), r.end(), rank) != r.end();
}

std::vector<int> Placement::expertsOnRank(int layer, int rank) const {
    std::vector<int> out;
    for (int e = 0; e < experts_; ++e)
        if (hosts(layer, e, rank)) out.push_back(e);
    return out;
}

int Placement::slotsOnRank(int layer, int rank) const {
    return static_cast<int>(expertsOnRank(layer, rank).size());
}

int Placement::totalReplicas(int layer) const {
    int n = 0;
    for (int e = 0; e < experts_; ++e) n += static_cast<int>(replicas_[idx(layer, e)].size());
    return n;
}

void Placement::validate() const {
    for (int l = 0; l < layers_; ++l)
        for (int e = 0; e < experts_; ++e) {
            const auto& r = replicas_[idx(l, e)];
            if (r.empty())
                throw Error("expert " + std::to_string(e) + " of layer " + std::to_string(l) +
                            " is on no rank");
            for (int rank : r)
                if (rank < 0 || rank >= ranks_)
                    throw Error("placement names rank " + std::to_string(rank));
        }
}

std::string Placement::describeLayer(int layer) const {
    std::string s;
    for (int r = 0; r < ranks_; ++r) {
        s += "rank " + std::to_string(r) + ":";
        for (int e : expertsOnRank(layer, r)) s += " " + std::to_string(e);
        s += r + 1 < ranks_ ? "; " : "";
    }
    return s;
}

void addReplicaSpec(Placement& placement, const std::string& spec) {
    auto fail = [&](const std::string& why) {
        throw Error("bad replica '" + spec + "': " + why +
                    " (expected LAYER:EXPERT:RANK, LAYER may be *)");
    };
    const auto c1 = spec.find(':'), c2 = spec.find(':', c1 == std::string::npos ? 0 : c1 + 1);
    if (c1 == std::string::npos || c2 == std::string::npos) fail("need three fields");
    auto num = [&](std::string_view s, const char* what) {
        int v = 0;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec != std::errc() || p != s.data() + s.size()) fail(std::string("bad ") + what);
        return v;
    };
    const std::string_view sv(spec);
    const auto layerText = sv.substr(0, c1);
    const int expert = num(sv.substr(c1 + 1, c2 - c1 - 1), "expert");
    const int rank = num(sv.substr(c2 + 1), "rank");
    if (layerText == "*") {
        for (int l = 0; l < placement.layers(); ++l) placement.addReplica(l, expert, rank);
    } else {
        placement.addReplica(num(layerText, "layer"), expert, rank);
    }
}

}  // namespace moe
