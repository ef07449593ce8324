// See moetuner_balance.h.
#include "core/balance/moetuner_balance.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <random>
#include <string>

#include "core/common/error.h"

namespace moe {
namespace {

// Clusters renumbered in order of their lowest expert (the symmetry-breaking order).
std::vector<int> canonical(const std::vector<int>& clusterOf, int clusters) {
    std::vector<int> rename(clusters, -1);
    int next = 0;
    std::vector<int> out(clusterOf.size());
    for (size_t e = 0; e < clusterOf.size(); ++e) {
        int& r = rename[clusterOf[e]];
        if (r < 0) r = next++;
        out[e] = r;
    }
    return out;
}

void checkLoad(std::span<const double> load, int clusters) {
    if (clusters <= 0) throw Error("MoETuner ILP 1: needs at least one cluster");
    if (static_cast<int>(load.size()) < clusters)
        throw Error("MoETuner ILP 1: " + std::to_string(load.size()) + " experts cannot fill " +
                    std::to_string(clusters) + " non-empty clusters");
    for (double v : load)
        if (!std::isfinite(v) || v < 0) throw Error("MoETuner ILP 1: loads must be finite, >= 0");
}

std::vector<double> clusterLoads(std::span<const double> load, const std::vector<int>& of,
                                 int clusters) {
    std::vector<double> t(clusters, 0.0);
    for (size_t e = 0; e < load.size(); ++e) t[of[e]] += load[e];
    return t;
}

constexpr int kSearchIterations = 3000;

// Column index of x[c][e]; the d_c follow the G * E x columns.
int xCol(int c, int e, int experts) { return c * experts + e; }

MilpProblem buildProblem(std::span<const double> load, int clusters, double mean) {
    const int n = static_cast<int>(load.size());
    const int lo = n / clusters, hi = (n + clusters - 1) / clusters;
    MilpProblem p;
    for (int c = 0; c < clusters; ++c)
        for (int e = 0; e < n; ++e)  // symmetry breaking: expert e only in clusters 0..e
            p.addColumn(0, c <= e ? 1 : 0, 0, true);
    std::vector<int> d(clusters);
    for (int c = 0; c < clusters; ++c) d[c] = p.addColumn(0, MilpProblem::kInf, 1, false);
    for (int e = 0; e < n; ++e) {  // each expert in exactly one cluster
        const int r = p.addRow(1, 1);
        for (int c = 0; c < clusters; ++c) p.add(r, xCol(c, e, n), 1);
    }
    for (int c = 0; c < clusters; ++c) {
        const int count = p.addRow(std::max(1, lo), hi);       // non-empty, even expert counts
        const int above = p.addRow(-mean, MilpProblem::kInf);  // d_c - T_c >= -mean
        const int below = p.addRow(mean, MilpProblem::kInf);   // d_c + T_c >= mean
        for (int e = 0; e < n; ++e) {
            p.add(count, xCol(c, e, n), 1);
            p.add(above, xCol(c, e, n), -load[e]);
            p.add(below, xCol(c, e, n), load[e]);
        }
        p.add(above, d[c], 1);
        p.add(below, d[c], 1);
    }
    return p;
}

double deviationOf(const std::vector<double>& t, double mean) {
    double s = 0;
    for (double v : t) s += std::fabs(v - mean);
    return s;
}

// Change of sum_c |T_c - mean| when load `delta` moves from cluster a to cluster b.
double moveGain(const std::vector<double>& t, int a, int b, double delta, double mean) {
    return std::fabs(t[a] - delta - mean) + std::fabs(t[b] + delta - mean) -
           std::fabs(t[a] - mean) - std::fabs(t[b] - mean);
}

// Best-improvement local search on the deviation: swaps of two experts in different clusters
// (counts unchanged) and, with uneven counts, moves from a ceil-sized to a floor-sized cluster.
void improveBySwaps(std::span<const double> load, std::vector<int>& of, int clusters) {
    const int n = static_cast<int>(load.size()), q = n / clusters;
    std::vector<double> t = clusterLoads(load, of, clusters);
    std::vector<int> count(clusters, 0);
    for (int c : of) ++count[c];
    const double mean = std::accumulate(t.begin(), t.end(), 0.0) / clusters;
    for (int round = 0; round < 1000; ++round) {
        double best = -1e-9 * std::max(mean, 1.0);
        int bi = -1, bj = -1;  // bj < 0: move bi to cluster -bj - 1
        for (int i = 0; i < n; ++i) {
            for (int j = i + 1; j < n; ++j)
                if (of[i] != of[j]) {
                    const double g = moveGain(t, of[i], of[j], load[i] - load[j], mean);
                    if (g < best) best = g, bi = i, bj = j;
                }
            if (count[of[i]] == q + 1)
                for (int c = 0; c < clusters; ++c)
                    if (count[c] == q) {
                        const double g = moveGain(t, of[i], c, load[i], mean);
                        if (g < best) best = g, bi = i, bj = -c - 1;
                    }
        }
        if (bi < 0) return;
        if (bj >= 0) {
            const double delta = load[bi] - load[bj];
            t[of[bi]] -= delta, t[of[bj]] += delta;
            std::swap(of[bi], of[bj]);
        } else {
            const int c = -bj - 1;
            t[of[bi]] -= load[bi], t[c] += load[bi];
            --count[of[bi]], ++count[c];
            of[bi] = c;
        }
    }
}

// Iterated local search: kick the best split so far by a few random swaps, descend again, keep
// the result when it is no worse; until the deviation reaches `target`. Seeded: deterministic.
void iteratedSearch(std::span<const double> load, std::vector<int>& of, int clusters,
                    double target) {
    const int n = static_cast<int>(load.size());
    const double mean = std::accumulate(load.begin(), load.end(), 0.0) / clusters;
    double best = deviationOf(clusterLoads(load, of, clusters), mean);
    std::mt19937 rng(20250214);
    std::uniform_int_distribution<int> pick(0, n - 1);
    for (int it = 0; it < kSearchIterations && best > target; ++it) {
        std::vector<int> cur = of;
        for (int k = 0; k < 2 + it % 3; ++k) {
            const int i = pick(rng), j = pick(rng);
            std::swap(cur[i], cur[j]);  // counts unchanged
        }
        improveBySwaps(load, cur, clusters);
        const double d = deviationOf(clusterLoads(load, cur, clusters), mean);
        if (d <= best) best = d, of = std::move(cur);
    }
}

}  // namespace

std::vector<int> greedyBalance(std::span<const double> load, int clusters, double target) {
    checkLoad(load, clusters);
    const int n = static_cast<int>(load.size());
    // n = q G + r: r clusters take q + 1 experts, the others q (q >= 1: none is empty).
    const int q = n / clusters, r = n % clusters;
    std::vector<int> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return load[a] > load[b]; });
    std::vector<double> t(clusters, 0.0);
    std::vector<int> count(clusters, 0), of(n, 0);
    int bigUsed = 0;  // clusters already holding q + 1
    for (int e : order) {
        int best = -1;
        for (int c = 0; c < clusters; ++c) {
            const bool room = count[c] < q || (count[c] == q && bigUsed < r);
            if (room && (best < 0 || t[c] < t[best])) best = c;
        }
        if (count[best] == q) ++bigUsed;
        of[e] = best;
        t[best] += load[e];
        ++count[best];
    }
    improveBySwaps(load, of, clusters);
    if (clusters > 1) iteratedSearch(load, of, clusters, target);
    return canonical(of, clusters);
}

double deviationLowerBound(std::span<const double> load, int clusters) {
    checkLoad(load, clusters);
    const int n = static_cast<int>(load.size());
    const int lo = std::max(1, n / clusters), hi = (n + clusters - 1) / clusters;
    std::vector<double> l(load.begin(), load.end());
    std::sort(l.begin(), l.end(), std::greater<>());
    const double mean = std::accumulate(l.begin(), l.end(), 0.0) / clusters;
    // light[j]: the j lightest loads, summed (they are the last j of l).
    std::vector<double> light(n + 1, 0.0);
    for (int j = 1; j <= n; ++j) light[j] = light[j - 1] + l[n - j];
    double best = 0, heavy = 0;
    for (int k = 1; k <= n; ++k) {
        heavy += l[k - 1];
        double bk = std::numeric_limits<double>::infinity();
        for (int m = (k + hi - 1) / hi; m <= std::min(k, clusters); ++m) {
            const int others = std::min(std::max(0, m * lo - k), n - k);
            bk = std::min(bk, heavy + light[others] - m * mean);
        }
        if (std::isfinite(bk)) best = std::max(best, 2 * bk);
    }
    return best;
}

BalanceIlpResult solveBalanceIlp(std::span<const double> load, int clusters,
                                 const MilpOptions& options) {
    checkLoad(load, clusters);
    const int n = static_cast<int>(load.size());
    const double total = std::accumulate(load.begin(), load.end(), 0.0);
    const double mean = total / clusters;
    MilpProblem p = buildProblem(load, clusters, mean);
    // The search stops once it is within half the gap: CBC then only has to confirm it.
    const std::vector<int> start = greedyBalance(load, clusters, options.relativeGap * mean / 2);
    p.start.assign(p.columns.size(), 0.0);
    for (int e = 0; e < n; ++e) p.start[xCol(start[e], e, n)] = 1;

    MilpOptions o = options;
    o.absoluteGap = std::max(o.absoluteGap, options.relativeGap * mean);
    BalanceIlpResult r;
    // The start already within the gap of the combinatorial bound: proven good, no CBC needed.
    const double bound = deviationLowerBound(load, clusters);
    const std::vector<double> startLoads = clusterLoads(load, start, clusters);
    const double startDeviation = deviationOf(startLoads, mean);
    if (startDeviation - bound <= o.absoluteGap) {
        // Meeting the bound is optimality; within the gap of it, as CBC would report.
        r.status = startDeviation - bound <= 1e-9 * std::max(mean, 1.0) ? MilpStatus::Optimal
                                                                        : MilpStatus::GapReached;
        r.clusterOf = start;
        r.clusterLoad = startLoads;
        r.deviation = startDeviation;
        r.bound = std::min(bound, r.deviation);
        r.gap = mean > 0 ? (r.deviation - r.bound) / mean : 0.0;
        r.fromStart = true;
        return r;
    }
    const MilpSolution s = solveMilp(p, o);
    r.status = s.status;
    r.seconds = s.seconds;
    if (s.feasible()) {
        r.clusterOf.assign(n, 0);
        for (int c = 0; c < clusters; ++c)
            for (int e = 0; e < n; ++e)
                if (s.values[xCol(c, e, n)] > 0.5) r.clusterOf[e] = c;
        r.bound = std::max(0.0, s.bestBound);
    } else {
        // No solution within the time limit: the greedy split is still a valid answer.
        r.clusterOf = start;
        r.fromStart = true;
    }
    r.clusterLoad = clusterLoads(load, r.clusterOf, clusters);
    r.deviation = deviationOf(r.clusterLoad, mean);
    r.bound = std::min(std::max(r.bound, bound), r.deviation);
    r.gap = mean > 0 ? (r.deviation - r.bound) / mean : 0.0;
    r.fromStart = r.fromStart || r.clusterOf == start;
    return r;
}

}  // namespace moe
