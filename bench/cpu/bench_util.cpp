// See bench_util.h.
#include "bench/cpu/bench_util.h"

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

namespace moe::bench {

double medianSeconds(const std::function<void()>& fn, int repeats, int warmup,
                     const std::function<void()>& before) {
    for (int i = 0; i < warmup; ++i) fn();
    std::vector<double> t;
    for (int i = 0; i < repeats; ++i) {
        if (before) before();
        const auto a = std::chrono::steady_clock::now();
        fn();
        t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count());
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

double denseProductSeconds(long rows, long inner, long cols, int repeats, int warmup) {
    using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    const RowMat a = RowMat::Random(rows, inner), b = RowMat::Random(inner, cols);
    RowMat out(rows, cols);
    return medianSeconds([&] { out.noalias() = a * b; }, repeats, warmup);
}

void report(const std::string& name, double value, const std::string& unit,
            const std::string& goal) {
    std::printf("RESULT %s %.4g %s %s\n", name.c_str(), value, unit.c_str(), goal.c_str());
    std::fflush(stdout);
}

}  // namespace moe::bench
