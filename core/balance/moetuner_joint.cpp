// See moetuner_joint.h.
#include "core/balance/moetuner_joint.h"

#include <algorithm>

namespace moe {
namespace {

// Column indices of one window's ILP: layers first..last, pairs first..last-1.
struct WindowIndex {
    int first = 0, layers = 0, g = 0;
    std::vector<int> w;  // per pair, ((c1 g + g1) g + c2) g + g2 -> column or -1
    int y(int l, int c, int gpu) const { return ((l - first) * g + c) * g + gpu; }
    int& wAt(int pair, int c1, int g1, int c2, int g2) {
        const size_t g2s = static_cast<size_t>(g) * g;
        return w[static_cast<size_t>(pair - first) * g2s * g2s +
                 ((static_cast<size_t>(c1) * g + g1) * g + c2) * g + g2];
    }
};

void addAssignmentRows(MilpProblem& p, const WindowIndex& ix, int l) {
    for (int c = 0; c < ix.g; ++c) {  // each cluster on one GPU, one cluster per GPU
        const int onOne = p.addRow(1, 1), perGpu = p.addRow(1, 1);
        for (int gpu = 0; gpu < ix.g; ++gpu) {
            p.add(onOne, ix.y(l, c, gpu), 1);
            p.add(perGpu, ix.y(l, gpu, c), 1);
        }
    }
}

void addProducts(MilpProblem& p, WindowIndex& ix, const MappingProblem& mp, int l,
                 ProductLinearisation how) {
    const int g = ix.g;
    for (int c1 = 0; c1 < g; ++c1)
        for (int g1 = 0; g1 < g; ++g1)
            for (int c2 = 0; c2 < g; ++c2)
                for (int g2 = 0; g2 < g; ++g2) {
                    if (how == ProductLinearisation::Assignment) {
                        ix.wAt(l, c1, g1, c2, g2) = p.addColumn(0, 1, 0, false);
                    } else if (g1 != g2 && mp.trafficAt(l, c1, c2) > 0) {
                        const int w = ix.wAt(l, c1, g1, c2, g2) = p.addColumn(0, 1, 0, false);
                        const int r = p.addRow(-1, MilpProblem::kInf);  // w - y - y' >= -1
                        p.add(r, w, 1);
                        p.add(r, ix.y(l, c1, g1), -1);
                        p.add(r, ix.y(l + 1, c2, g2), -1);
                    }
                }
    if (how != ProductLinearisation::Assignment) return;
    for (int c1 = 0; c1 < g; ++c1)
        for (int c2 = 0; c2 < g; ++c2)
            for (int gg = 0; gg < g; ++gg) {
                const int out = p.addRow(0, 0), in = p.addRow(0, 0);
                p.add(out, ix.y(l, c1, gg), -1);     // sum_g2 w[c1 gg c2 g2] = y[l][c1][gg]
                p.add(in, ix.y(l + 1, c2, gg), -1);  // sum_g1 w[c1 g1 c2 gg] = y[l+1][c2][gg]
                for (int o = 0; o < g; ++o) {
                    p.add(out, ix.wAt(l, c1, gg, c2, o), 1);
                    p.add(in, ix.wAt(l, c1, o, c2, gg), 1);
                }
            }
}

// z_l >= sum_{c1 c2} C[l][c1][c2] cost(g1, g2) w[c1 g1 c2 g2] for every GPU pair g1 != g2.
void addEpigraph(MilpProblem& p, WindowIndex& ix, const MappingProblem& mp, int l) {
    const int g = ix.g;
    const std::vector<double> cost = mp.linkCosts();
    const int z = p.addColumn(0, MilpProblem::kInf, 1, false);
    for (int g1 = 0; g1 < g; ++g1)
        for (int g2 = 0; g2 < g; ++g2) {
            if (g1 == g2) continue;
            const int r = p.addRow(0, MilpProblem::kInf);
            p.add(r, z, 1);
            for (int c1 = 0; c1 < g; ++c1)
                for (int c2 = 0; c2 < g; ++c2) {
                    const double coef =
                        mp.trafficAt(l, c1, c2) * cost[static_cast<size_t>(g1) * g + g2];
                    const int w = ix.wAt(l, c1, g1, c2, g2);
                    if (coef > 0 && w >= 0) p.add(r, w, -coef);
                }
        }
}

}  // namespace

JointWindowResult solveJointWindow(const MappingProblem& mp, int first, int last,
                                   const std::vector<int>& fixed,
                                   const std::vector<std::vector<int>>& start,
                                   ProductLinearisation products, const MilpOptions& options) {
    const int g = mp.gpus;
    WindowIndex ix{first, last - first + 1, g, {}};
    ix.w.assign(static_cast<size_t>(last - first) * g * g * g * g, -1);
    MilpProblem p;
    for (int l = first; l <= last; ++l)
        for (int c = 0; c < g; ++c)
            for (int gpu = 0; gpu < g; ++gpu) {
                const bool pinned = l == first && !fixed.empty();
                const double v = pinned && fixed[c] == gpu ? 1 : 0;
                p.addColumn(pinned ? v : 0, pinned ? v : 1, 0, true);
            }
    for (int l = first; l <= last; ++l) addAssignmentRows(p, ix, l);
    for (int l = first; l < last; ++l) {
        addProducts(p, ix, mp, l, products);
        addEpigraph(p, ix, mp, l);
    }
    p.start.assign(p.columns.size(), 0.0);
    for (int l = first; l <= last; ++l)
        for (int c = 0; c < g; ++c) p.start[ix.y(l, c, start[l - first][c])] = 1;
    const MilpSolution s = solveMilp(p, options);
    JointWindowResult out{start, 0.0, s.status, s.seconds};
    if (!s.feasible()) return out;  // keep the greedy start
    for (int l = first; l <= last; ++l)
        for (int c = 0; c < g; ++c)
            for (int gpu = 0; gpu < g; ++gpu)
                if (s.values[ix.y(l, c, gpu)] > 0.5) out.gpuOf[l - first][c] = gpu;
    out.bound = std::max(0.0, s.bestBound);
    // CBC keeps the warm start as its incumbent; this guards against a start it rejected.
    double solved = 0, given = 0;
    for (int l = first; l < last; ++l) {
        solved += pairCost(mp, l, out.gpuOf[l - first], out.gpuOf[l - first + 1]);
        given += pairCost(mp, l, start[l - first], start[l - first + 1]);
    }
    if (given < solved) out.gpuOf = start;
    return out;
}

}  // namespace moe
