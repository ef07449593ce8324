// See migration_relabel.h.
#include "core/balance/migration_relabel.h"

#include <algorithm>
#include <limits>

#include "core/common/error.h"

namespace moe {

std::vector<int> bestAssignment(const std::vector<double>& gain, int n) {
    // Hungarian method on cost = -gain, with potentials u (rows) and v (columns), 1-based.
    const double inf = std::numeric_limits<double>::infinity();
    std::vector<double> u(n + 1, 0), v(n + 1, 0);
    std::vector<int> match(n + 1, 0), way(n + 1, 0);  // match[column] = row
    auto cost = [&](int row, int col) { return -gain[static_cast<size_t>(row - 1) * n + col - 1]; };
    for (int row = 1; row <= n; ++row) {
        match[0] = row;
        int col0 = 0;
        std::vector<double> minv(n + 1, inf);
        std::vector<char> used(n + 1, 0);
        do {
            used[col0] = 1;
            const int r0 = match[col0];
            double delta = inf;
            int col1 = 0;
            for (int c = 1; c <= n; ++c) {
                if (used[c]) continue;
                const double cur = cost(r0, c) - u[r0] - v[c];
                if (cur < minv[c]) {
                    minv[c] = cur;
                    way[c] = col0;
                }
                if (minv[c] < delta) {
                    delta = minv[c];
                    col1 = c;
                }
            }
            for (int c = 0; c <= n; ++c) {
                if (used[c]) {
                    u[match[c]] += delta;
                    v[c] -= delta;
                } else {
                    minv[c] -= delta;
                }
            }
            col0 = col1;
        } while (match[col0] != 0);
        do {
            const int col1 = way[col0];
            match[col0] = match[col1];
            col0 = col1;
        } while (col0 != 0);
    }
    std::vector<int> perm(n, 0);
    for (int c = 1; c <= n; ++c) perm[match[c] - 1] = c - 1;
    return perm;
}

Placement relabelForFewestMoves(const Placement& current, const Placement& planned) {
    const int L = planned.layers(), E = planned.experts(), G = planned.ranks();
    if (current.layers() != L || current.experts() != E || current.ranks() != G)
        throw Error("relabel: the current placement's shape differs from the plan's");
    Placement out(L, E, G);
    for (int l = 0; l < L; ++l) {
        // gain[a][b]: replicas planned on rank a that rank b already holds.
        std::vector<double> gain(static_cast<size_t>(G) * G, 0.0);
        for (int e = 0; e < E; ++e)
            for (int a : planned.replicas(l, e))
                for (int b = 0; b < G; ++b)
                    if (current.hosts(l, e, b)) gain[static_cast<size_t>(a) * G + b] += 1;
        const std::vector<int> perm = bestAssignment(gain, G);
        for (int e = 0; e < E; ++e) {
            for (int a : planned.replicas(l, e)) out.addReplica(l, e, perm[a], true);
            out.setShares(l, e, planned.shares(l, e));
        }
    }
    return out;
}

}  // namespace moe
