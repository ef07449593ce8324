// Planner time of every policy on the DeepSeek-V3 shape (58 MoE layers x 256 experts onto 288
// slots on 32 GPUs in 4 nodes, 8 expert groups), from seeded Zipf-like loads. EPLB's goal is
// under 10 ms in C++. As a reference measured in the same run, one pass summing the 58 x 256
// load matrix, so each figure is also reported as a ratio to it.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "bench/cpu/bench_util.h"
#include "core/balance/policy_factory.h"
#include "core/common/error.h"

using namespace moe;

namespace {

constexpr int kLayers = 58, kExperts = 256, kSlots = 288, kGpus = 32, kNodes = 4, kGroups = 8;
constexpr double kPairsPerLayer = 4096.0 * 8;        // 4096 tokens, top-8
constexpr size_t kExpertBytes = 3ull * 7168 * 2048;  // one fp8 DeepSeek-V3 expert, 44 MB

std::vector<double> zipfLoads(unsigned seed) {
    std::mt19937 rng(seed);
    std::vector<double> out;
    for (int l = 0; l < kLayers; ++l) {
        std::vector<double> row(kExperts);
        double sum = 0;
        for (int e = 0; e < kExperts; ++e) sum += row[e] = 1.0 / std::pow(e + 1.0, 0.9);
        std::shuffle(row.begin(), row.end(), rng);
        for (double v : row) out.push_back(std::round(v / sum * kPairsPerLayer));
    }
    return out;
}

PolicyInput deepseekInput(const std::vector<double>& load, const Placement& current) {
    PolicyInput in;
    in.layers = kLayers;
    in.experts = kExperts;
    in.load = load;
    in.cluster.ranks = kGpus;
    in.cluster.nodes = kNodes;
    in.budget.slots = kSlots;
    in.budget.groups = kGroups;
    in.budget.memoryPerRankBytes = static_cast<double>(kSlots / kGpus) * kExpertBytes;
    in.expertBytes = kExpertBytes;
    in.current = &current;
    return in;
}

// One pass over the matrix, timed over many passes (a single one is below timer resolution).
double sumPassSeconds(const std::vector<double>& load) {
    constexpr int kPasses = 10000;
    volatile double sink = 0;
    const double t = bench::medianSeconds(
        [&] {
            for (int p = 0; p < kPasses; ++p) {
                double s = 0;
                for (double v : load) s += v;
                sink = sink + s;
            }
        },
        5);
    return t / kPasses;
}

}  // namespace

int main() {
    try {
        const std::vector<double> load = zipfLoads(2024);
        const Placement current = Placement::contiguous(kLayers, kExperts, kGpus);
        const PolicyInput in = deepseekInput(load, current);
        const double sumSec = sumPassSeconds(load);
        std::printf("reference: one pass summing the %d x %d load matrix: %.3f us\n", kLayers,
                    kExperts, sumSec * 1e6);
        bench::report("load_matrix_sum_pass_us", sumSec * 1e6, "us", "-");
        const std::vector<std::pair<std::string, std::string>> specs = {{"eplb", "<10"},
                                                                        {"eplb:mode=global", "<10"},
                                                                        {"eplb:max_moves=16", "-"},
                                                                        {"contiguous", "-"},
                                                                        {"round_robin", "-"},
                                                                        {"gps", "-"},
                                                                        {"fastermoe", "-"},
                                                                        {"harmoeny", "-"}};
        for (const auto& [spec, goal] : specs) {
            auto policy = makePolicy(spec);
            const double sec = bench::medianSeconds([&] { policy->plan(in); }, 7);
            std::string name = spec;
            std::replace(name.begin(), name.end(), ':', '_');
            std::replace(name.begin(), name.end(), '=', '_');
            bench::report("plan_" + name + "_ms", sec * 1e3, "ms", goal);
            bench::report("plan_" + name + "_vs_sum", sec / sumSec, "x_sum", "-");
        }
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
