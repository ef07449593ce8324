// See moetuner_mapping.h.
#include "core/balance/moetuner_mapping.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>
#include <optional>
#include <utility>

#include "core/balance/moetuner_blocks.h"
#include "core/balance/moetuner_joint.h"
#include "core/common/error.h"

namespace moe {

double MappingProblem::linkCost(int g1, int g2) const {
    if (g1 == g2) return 0.0;
    if (bandwidth.empty()) return 1.0;
    double fastest = 0;  // over links between two GPUs: presets put infinity on the diagonal
    for (int a = 0; a < gpus; ++a)
        for (int b = 0; b < gpus; ++b)
            if (a != b) fastest = std::max(fastest, bandwidth[static_cast<size_t>(a) * gpus + b]);
    return fastest / bandwidth[static_cast<size_t>(g1) * gpus + g2];
}

std::vector<double> MappingProblem::linkCosts() const {
    std::vector<double> c(static_cast<size_t>(gpus) * gpus);
    for (int a = 0; a < gpus; ++a)
        for (int b = 0; b < gpus; ++b) c[static_cast<size_t>(a) * gpus + b] = linkCost(a, b);
    return c;
}

bool MappingProblem::uniform() const {
    const std::vector<double> c = linkCosts();
    for (int a = 0; a < gpus; ++a)
        for (int b = 0; b < gpus; ++b)
            if (a != b && c[static_cast<size_t>(a) * gpus + b] != 1.0) return false;
    return true;
}

std::vector<double> clusterTraffic(const std::vector<double>& transitions, int layers, int experts,
                                   const std::vector<std::vector<int>>& clusterOf, int clusters) {
    const size_t ee = static_cast<size_t>(experts) * experts;
    if (layers < 1 || transitions.size() != static_cast<size_t>(layers - 1) * ee)
        throw Error("MoETuner: transitions must be (layers - 1) x experts x experts = " +
                    std::to_string(static_cast<size_t>(std::max(layers - 1, 0)) * ee) +
                    " values, got " + std::to_string(transitions.size()));
    std::vector<double> c(static_cast<size_t>(layers - 1) * clusters * clusters, 0.0);
    for (int l = 0; l + 1 < layers; ++l)
        for (int e1 = 0; e1 < experts; ++e1)
            for (int e2 = 0; e2 < experts; ++e2) {
                const double v = transitions[l * ee + static_cast<size_t>(e1) * experts + e2];
                const int c1 = clusterOf[l][e1], c2 = clusterOf[l + 1][e2];
                c[(static_cast<size_t>(l) * clusters + c1) * clusters + c2] += v;
            }
    return c;
}

namespace {

// pairCost with precomputed link costs; *sum receives the total over links (a tie-breaker).
double pairCostWith(const MappingProblem& p, const std::vector<double>& cost, int l,
                    const std::vector<int>& a, const std::vector<int>& b, double* sum = nullptr) {
    const int g = p.gpus;
    std::vector<double> link(static_cast<size_t>(g) * g, 0.0);
    for (int c1 = 0; c1 < g; ++c1)
        for (int c2 = 0; c2 < g; ++c2) {
            const size_t k = static_cast<size_t>(a[c1]) * g + b[c2];
            link[k] += p.trafficAt(l, c1, c2) * cost[k];
        }
    if (sum) *sum = std::accumulate(link.begin(), link.end(), 0.0);
    return *std::max_element(link.begin(), link.end());
}

// Next layer's mapping given this layer's: co-locate the heaviest cluster pairs, then swap
// pairs of GPUs while that lowers (slowest link, total) lexicographically.
std::vector<int> greedyNext(const MappingProblem& p, const std::vector<double>& cost, int l,
                            const std::vector<int>& a) {
    const int g = p.gpus;
    std::vector<std::pair<double, int>> pairs;
    for (int c1 = 0; c1 < g; ++c1)
        for (int c2 = 0; c2 < g; ++c2) pairs.push_back({p.trafficAt(l, c1, c2), c1 * g + c2});
    std::stable_sort(pairs.begin(), pairs.end(),
                     [](const auto& x, const auto& y) { return x.first > y.first; });
    std::vector<int> b(g, -1);
    std::vector<bool> gpuUsed(g, false);
    for (const auto& [v, key] : pairs) {
        const int c1 = key / g, c2 = key % g;
        if (b[c2] < 0 && !gpuUsed[a[c1]]) b[c2] = a[c1], gpuUsed[a[c1]] = true;
    }
    double sum = 0;
    double best = pairCostWith(p, cost, l, a, b, &sum);
    for (bool improved = true; improved;) {
        improved = false;
        for (int x = 0; x < g; ++x)
            for (int y = x + 1; y < g; ++y) {
                std::swap(b[x], b[y]);
                double s2 = 0;
                const double c = pairCostWith(p, cost, l, a, b, &s2);
                if (c < best - 1e-9 || (c <= best + 1e-9 && s2 < sum - 1e-9))
                    best = c, sum = s2, improved = true;
                else
                    std::swap(b[x], b[y]);
            }
    }
    return b;
}

struct PairOutcome {
    std::vector<int> next;
    MilpStatus status = MilpStatus::Optimal;
};

// ILP 2 for one layer pair with layer l placed (a: cluster -> GPU): y[c2][g2] in {0,1} places
// layer l+1, one cluster per GPU and one GPU per cluster; with y of layer l known the products
// are linear: z >= sum_c2 C[a^-1(g1)][c2] cost(g1, g2) y[c2][g2] for every g1 != g2; min z.
PairOutcome solvePairIlp(const MappingProblem& p, const std::vector<double>& cost, int l,
                         const std::vector<int>& a, const std::vector<int>& start,
                         const MilpOptions& options) {
    const int g = p.gpus;
    std::vector<int> clusterOn(g);
    for (int c = 0; c < g; ++c) clusterOn[a[c]] = c;
    MilpProblem m;
    for (int i = 0; i < g * g; ++i) m.addColumn(0, 1, 0, true);  // y[c2][g2] = column c2 g + g2
    const int z = m.addColumn(0, MilpProblem::kInf, 1, false);
    for (int i = 0; i < g; ++i) {
        const int onOne = m.addRow(1, 1), perGpu = m.addRow(1, 1);
        for (int j = 0; j < g; ++j) m.add(onOne, i * g + j, 1), m.add(perGpu, j * g + i, 1);
    }
    for (int g1 = 0; g1 < g; ++g1)
        for (int g2 = 0; g2 < g; ++g2) {
            if (g1 == g2) continue;
            const int r = m.addRow(0, MilpProblem::kInf);
            m.add(r, z, 1);
            for (int c2 = 0; c2 < g; ++c2) {
                const double coef = p.trafficAt(l, clusterOn[g1], c2) * cost[g1 * g + g2];
                if (coef > 0) m.add(r, c2 * g + g2, -coef);
            }
        }
    m.start.assign(m.columns.size(), 0.0);
    for (int c2 = 0; c2 < g; ++c2) m.start[c2 * g + start[c2]] = 1;
    const MilpSolution s = solveMilp(m, options);
    PairOutcome out{start, s.status};
    if (!s.feasible()) return out;
    for (int c2 = 0; c2 < g; ++c2)
        for (int g2 = 0; g2 < g; ++g2)
            if (s.values[c2 * g + g2] > 0.5) out.next[c2] = g2;
    if (pairCostWith(p, cost, l, a, start) < pairCostWith(p, cost, l, a, out.next))
        out.next = start;  // CBC keeps the warm start; this guards against one it rejected
    return out;
}

int severity(MilpStatus s) {
    switch (s) {
        case MilpStatus::Optimal:
            return 0;
        case MilpStatus::GapReached:
            return 1;
        case MilpStatus::TimeLimit:
            return 2;
        default:
            return 3;
    }
}

void merge(MappingResult& r, MilpStatus status) {
    ++r.solves;
    if (severity(status) > severity(r.worstStatus)) r.worstStatus = status;
}

void checkProblem(const MappingProblem& p) {
    if (p.layers < 1 || p.gpus < 1) throw Error("MoETuner ILP 2: needs layers and GPUs");
    const size_t gg = static_cast<size_t>(p.gpus) * p.gpus;
    if (p.traffic.size() != static_cast<size_t>(p.layers - 1) * gg)
        throw Error("MoETuner ILP 2: traffic must be (layers - 1) x G x G");
    if (!p.bandwidth.empty() && p.bandwidth.size() != gg)
        throw Error("MoETuner ILP 2: the bandwidth matrix must be G x G");
    for (size_t i = 0; i < p.bandwidth.size(); ++i)
        if (i % (p.gpus + 1) != 0 && !(p.bandwidth[i] > 0))
            throw Error("MoETuner ILP 2: link bandwidths must be > 0");
}

// Layer by layer from the identity: each next layer by the per-pair ILP, exactly or by CBC.
std::vector<std::vector<int>> layerByLayer(const MappingProblem& p, bool cbc,
                                           const MilpOptions& milp, MappingResult& r) {
    const std::vector<double> cost = p.linkCosts();
    std::vector<int> first(p.gpus);
    std::iota(first.begin(), first.end(), 0);
    std::vector<std::vector<int>> m{first};
    for (int l = 0; l + 1 < p.layers; ++l) {
        std::vector<int> next;
        if (!cbc) {
            bestNextLayer(p, l, m.back(), &next);
        } else {
            const PairOutcome po =
                solvePairIlp(p, cost, l, m.back(), greedyNext(p, cost, l, m.back()), milp);
            merge(r, po.status);
            next = po.next;
        }
        m.push_back(std::move(next));
    }
    return m;
}

// The optional joint refinement (MappingOptions::jointPairs != 1), in place.
void refineJointly(const MappingProblem& p, const MappingOptions& o, MappingResult& r) {
    const int pairs = p.layers - 1;
    const int window = o.jointPairs <= 0 ? pairs : o.jointPairs;
    for (int first = 0; first < pairs; first += window) {
        const int last = std::min(first + window, pairs);
        const std::vector<int> fixed =
            first > 0 || p.uniform() ? r.gpuOf[first] : std::vector<int>{};
        const std::vector<std::vector<int>> start(r.gpuOf.begin() + first,
                                                  r.gpuOf.begin() + last + 1);
        const JointWindowResult w =
            solveJointWindow(p, first, last, fixed, start, o.products, o.milp);
        std::copy(w.gpuOf.begin(), w.gpuOf.end(), r.gpuOf.begin() + first);
        merge(r, w.status);
        ++r.jointWindows;
    }
}

}  // namespace

double pairCost(const MappingProblem& p, int l, const std::vector<int>& a,
                const std::vector<int>& b) {
    return pairCostWith(p, p.linkCosts(), l, a, b);
}

double mappingCost(const MappingProblem& p, const std::vector<std::vector<int>>& gpuOf,
                   std::vector<double>* perPair) {
    const std::vector<double> cost = p.linkCosts();
    double total = 0;
    if (perPair) perPair->assign(std::max(p.layers - 1, 0), 0.0);
    for (int l = 0; l + 1 < p.layers; ++l) {
        const double c = pairCostWith(p, cost, l, gpuOf[l], gpuOf[l + 1]);
        if (perPair) (*perPair)[l] = c;
        total += c;
    }
    return total;
}

std::vector<std::vector<int>> greedyMapping(const MappingProblem& p,
                                            const std::vector<int>& firstLayer) {
    const std::vector<double> cost = p.linkCosts();
    std::vector<std::vector<int>> m{firstLayer};
    for (int l = 0; l + 1 < p.layers; ++l) m.push_back(greedyNext(p, cost, l, m.back()));
    return m;
}

MappingResult solveMappingIlp(const MappingProblem& p, const MappingOptions& o) {
    checkProblem(p);
    const auto t0 = std::chrono::steady_clock::now();
    MappingResult r;
    r.method = o.method;
    std::vector<int> identity(p.gpus);
    std::iota(identity.begin(), identity.end(), 0);
    r.greedyCost = mappingCost(p, greedyMapping(p, identity));
    std::vector<std::vector<int>> exactSteps = layerByLayer(p, false, o.milp, r);
    r.layerByLayerCost = mappingCost(p, exactSteps);
    std::optional<BlockSolution> blocks;
    if (o.method == MappingMethod::Exact) blocks = solveByBlocks(p);
    if (blocks) {
        r.gpuOf = std::move(blocks->gpuOf);
        r.blockStates = blocks->states;
        r.provenOptimal = true;
    } else if (o.method == MappingMethod::Exact) {
        r.gpuOf = std::move(exactSteps);
    } else {
        r.gpuOf = layerByLayer(p, true, o.milp, r);
    }
    const double before = mappingCost(p, r.gpuOf);
    if (o.jointPairs != 1 && p.layers > 1) refineJointly(p, o, r);
    r.cost = mappingCost(p, r.gpuOf, &r.pairCost);
    if (r.provenOptimal && r.cost >= before) {
        r.bound = r.cost;
        r.boundHow = "the optimum (node-block dynamic programme, " + std::to_string(r.blockStates) +
                     " block mapping(s) per layer)";
    } else {
        r.provenOptimal = false;
        const PairBounds b = pairLowerBounds(p);
        r.bound = std::min(std::accumulate(b.perPair.begin(), b.perPair.end(), 0.0), r.cost);
        r.exactPairBounds = b.exact;
        r.boundHow = b.how;
    }
    r.gap = r.cost > 0 ? (r.cost - r.bound) / r.cost : 0.0;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

std::string MappingResult::describe() const {
    char buf[512];
    const char* how = method == MappingMethod::CbcLayerByLayer ? "layer by layer, each step by CBC"
                      : blockStates > 0 ? "exactly, node-block dynamic programme"
                                        : "layer by layer, each step exactly";
    std::snprintf(buf, sizeof buf,
                  "ILP 2 solved %s%s; %d CBC solves, worst %s; slowest-link sum %.4g (exact steps "
                  "layer by layer %.4g, co-location greedy %.4g); bound %.4g, %s; gap %.2f%%; "
                  "%.3f s",
                  how, jointWindows ? ", then joint windows by CBC" : "", solves,
                  solves ? toString(worstStatus).c_str() : "-", cost, layerByLayerCost, greedyCost,
                  bound, boundHow.c_str(), gap * 100, seconds);
    return buf;
}

}  // namespace moe
