// See moetuner_blocks.h.
#include "core/balance/moetuner_blocks.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <numeric>

#include "core/common/error.h"

namespace moe {
namespace {

// Kuhn's augmenting paths: a perfect matching using only allowed[row * n + col] edges?
bool perfectMatching(const std::vector<char>& allowed, int n, std::vector<int>& colOwner) {
    colOwner.assign(n, -1);
    std::vector<char> seen;
    std::function<bool(int)> augment = [&](int row) {
        for (int col = 0; col < n; ++col) {
            if (!allowed[static_cast<size_t>(row) * n + col] || seen[col]) continue;
            seen[col] = 1;
            if (colOwner[col] < 0 || augment(colOwner[col])) {
                colOwner[col] = row;
                return true;
            }
        }
        return false;
    };
    for (int row = 0; row < n; ++row) {
        seen.assign(n, 0);
        if (!augment(row)) return false;
    }
    return true;
}

constexpr double kTol = 1e-12;
constexpr double kMaxBlockWays = 20000;  // for the bounds: ways x (layers - 1) assignments
constexpr size_t kMaxDpStates = 100;     // the exact solve: states^2 x (layers - 1)

// Node blocks of the link costs, or empty when the costs are not two-level (see the header).
std::vector<int> nodeBlocks(const std::vector<double>& cost, int g) {
    std::vector<int> block(g);
    std::iota(block.begin(), block.end(), 0);
    const auto at = [&](int a, int b) { return cost[static_cast<size_t>(a) * g + b]; };
    for (int a = 0; a < g; ++a)  // costs are normalised so the fastest link costs 1
        for (int b = 0; b < g; ++b)
            if (a != b && at(a, b) <= 1 + kTol) {
                const int from = block[b], to = block[a];
                for (int& x : block)
                    if (x == from) x = to;
            }
    double between = -1;
    for (int a = 0; a < g; ++a)
        for (int b = 0; b < g; ++b) {
            if (a == b) continue;
            if (block[a] == block[b] && at(a, b) > 1 + kTol) return {};
            if (block[a] != block[b]) {
                if (between < 0) between = at(a, b);
                if (std::abs(at(a, b) - between) > kTol * between) return {};
            }
        }
    return block;
}

std::vector<std::vector<int>> enumerateBlockMappings(const std::vector<int>& block, int g) {
    std::vector<std::vector<int>> gpusOf(g);
    for (int gpu = 0; gpu < g; ++gpu) gpusOf[block[gpu]].push_back(gpu);
    std::erase_if(gpusOf, [](const auto& v) { return v.empty(); });
    double ways = 1;  // multinomial g! / prod(size!)
    for (int i = 2; i <= g; ++i) ways *= i;
    for (const auto& b : gpusOf)
        for (size_t i = 2; i <= b.size(); ++i) ways /= static_cast<double>(i);
    if (ways > kMaxBlockWays) return {};
    std::vector<std::vector<int>> out;
    std::vector<int> cur(g, -1), used(gpusOf.size(), 0);
    std::function<void(int)> rec = [&](int c) {
        if (c == g) return out.push_back(cur);
        for (size_t b = 0; b < gpusOf.size(); ++b) {
            if (used[b] == static_cast<int>(gpusOf[b].size())) continue;
            cur[c] = gpusOf[b][used[b]++];
            rec(c + 1);
            --used[b];
        }
    };
    rec(0);
    return out;
}

}  // namespace

std::vector<std::vector<int>> blockMappings(const MappingProblem& p) {
    const std::vector<int> block = nodeBlocks(p.linkCosts(), p.gpus);
    return block.empty() ? std::vector<std::vector<int>>{} : enumerateBlockMappings(block, p.gpus);
}

std::vector<int> bottleneckAssignment(const std::vector<double>& weight, int n, double* value) {
    if (n <= 0 || weight.size() != static_cast<size_t>(n) * n)
        throw Error("bottleneck assignment: the weights must be n x n");
    std::vector<double> levels = weight;
    std::sort(levels.begin(), levels.end());
    levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
    size_t lo = 0, hi = levels.size() - 1;  // the largest level always has a matching
    std::vector<char> allowed(weight.size());
    std::vector<int> owner;
    while (lo < hi) {
        const size_t mid = (lo + hi) / 2;
        for (size_t i = 0; i < weight.size(); ++i) allowed[i] = weight[i] <= levels[mid];
        if (perfectMatching(allowed, n, owner))
            hi = mid;
        else
            lo = mid + 1;
    }
    for (size_t i = 0; i < weight.size(); ++i) allowed[i] = weight[i] <= levels[lo];
    perfectMatching(allowed, n, owner);
    std::vector<int> rowToCol(n);
    for (int col = 0; col < n; ++col) rowToCol[owner[col]] = col;
    if (value) *value = levels[lo];
    return rowToCol;
}

namespace {

// W[c2][g2]: the slowest link into g2 if cluster c2 of layer l+1 sits there, layer l on prev.
std::vector<double> nextLayerWeights(const MappingProblem& p, const std::vector<double>& cost,
                                     int l, const std::vector<int>& prev) {
    const int g = p.gpus;
    std::vector<int> clusterOn(g);
    for (int c = 0; c < g; ++c) clusterOn[prev[c]] = c;
    std::vector<double> w(static_cast<size_t>(g) * g, 0.0);
    for (int c2 = 0; c2 < g; ++c2)
        for (int g2 = 0; g2 < g; ++g2) {
            double& x = w[static_cast<size_t>(c2) * g + g2];
            for (int g1 = 0; g1 < g; ++g1)
                if (g1 != g2)
                    x = std::max(x, p.trafficAt(l, clusterOn[g1], c2) * cost[g1 * g + g2]);
        }
    return w;
}

// `w` with every GPU outside the block that `target` gives each cluster ruled out.
std::vector<double> restrictToBlocks(std::vector<double> w, const std::vector<int>& block,
                                     const std::vector<int>& target) {
    const int g = static_cast<int>(target.size());
    for (int c = 0; c < g; ++c)
        for (int gpu = 0; gpu < g; ++gpu)
            if (block[gpu] != block[target[c]])
                w[static_cast<size_t>(c) * g + gpu] = std::numeric_limits<double>::infinity();
    return w;
}

}  // namespace

std::optional<BlockSolution> solveByBlocks(const MappingProblem& p) {
    const int g = p.gpus, pairs = p.layers - 1;
    const std::vector<double> cost = p.linkCosts();
    const std::vector<int> block = nodeBlocks(cost, g);
    if (block.empty() || pairs < 1) return std::nullopt;
    const std::vector<std::vector<int>> states = enumerateBlockMappings(block, g);
    const size_t n = states.size();
    if (n == 0 || n > kMaxDpStates) return std::nullopt;
    // f[s]: least cost of layers 0..l with layer l in state s; from[l][s']: the best s before.
    std::vector<double> f(n, 0.0);
    std::vector<std::vector<int>> from(pairs, std::vector<int>(n, 0));
    for (int l = 0; l < pairs; ++l) {
        std::vector<double> next(n, std::numeric_limits<double>::infinity());
        for (size_t s = 0; s < n; ++s) {
            const std::vector<double> w = nextLayerWeights(p, cost, l, states[s]);
            for (size_t t = 0; t < n; ++t) {
                if (f[s] >= next[t]) continue;
                double v = 0;
                bottleneckAssignment(restrictToBlocks(w, block, states[t]), g, &v);
                if (f[s] + v < next[t]) next[t] = f[s] + v, from[l][t] = static_cast<int>(s);
            }
        }
        f = std::move(next);
    }
    std::vector<int> path(p.layers);
    path[pairs] = static_cast<int>(std::min_element(f.begin(), f.end()) - f.begin());
    for (int l = pairs - 1; l >= 0; --l) path[l] = from[l][path[l + 1]];
    BlockSolution r;
    r.states = static_cast<int>(n);
    r.gpuOf = {states[path[0]]};
    for (int l = 0; l < pairs; ++l) {  // the mappings themselves, from the actual layer before
        const std::vector<double> w = nextLayerWeights(p, cost, l, r.gpuOf.back());
        r.gpuOf.push_back(bottleneckAssignment(restrictToBlocks(w, block, states[path[l + 1]]), g));
    }
    r.cost = *std::min_element(f.begin(), f.end());
    return r;
}

double bestNextLayer(const MappingProblem& p, int l, const std::vector<int>& prev,
                     std::vector<int>* next) {
    double value = 0;
    std::vector<int> assignment =
        bottleneckAssignment(nextLayerWeights(p, p.linkCosts(), l, prev), p.gpus, &value);
    if (next) *next = std::move(assignment);
    return value;
}

PairBounds pairLowerBounds(const MappingProblem& p) {
    PairBounds r;
    const int g = p.gpus, pairs = std::max(p.layers - 1, 0);
    r.perPair.assign(pairs, 0.0);
    const std::vector<std::vector<int>> firsts = blockMappings(p);
    if (!firsts.empty()) {
        r.exact = true;
        r.how = "exact per layer pair (" + std::to_string(firsts.size()) +
                " block mapping(s) of the earlier layer)";
        for (int l = 0; l < pairs; ++l) {
            double best = -1;
            for (const auto& prev : firsts) {
                const double v = bestNextLayer(p, l, prev);
                if (best < 0 || v < best) best = v;
            }
            r.perPair[l] = best;
        }
        return r;
    }
    MappingProblem fast = p;  // every link as fast as the fastest: costs can only drop
    fast.bandwidth.clear();
    std::vector<int> identity(g);
    std::iota(identity.begin(), identity.end(), 0);
    for (int l = 0; l < pairs; ++l) r.perPair[l] = bestNextLayer(fast, l, identity);
    r.how = "every link as fast as the fastest (links not in node blocks)";
    return r;
}

}  // namespace moe
