// Successive sampling (draw, remove, redraw) is the same as giving every expert an exponential
// clock with rate w_e and taking the k earliest. So P(e included) = integral over t of
// w_e exp(-w_e t) P(fewer than k others rang before t) dt, where the others ring independently
// with probability 1 - exp(-w_j t). We integrate in u = ln t with the trapezoid rule, which
// converges very fast for this smooth, doubly-exponentially decaying integrand.
#include "core/workload/zipf_skew.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/common/error.h"

namespace moe {

std::vector<double> zipfWeights(int experts, double exponent) {
    std::vector<double> w(static_cast<size_t>(experts));
    double sum = 0;
    for (int r = 0; r < experts; ++r) sum += w[r] = std::pow(static_cast<double>(r + 1), -exponent);
    for (double& v : w) v /= sum;
    return w;
}

double inclusionProbability(const std::vector<double>& weights, int expert, int topK) {
    const int n = static_cast<int>(weights.size());
    if (topK >= n) return 1.0;
    const double rate = weights[static_cast<size_t>(expert)];
    if (rate <= 0) return 0.0;
    // Time in units of 1/rate: the integrand's own density is then exp(u - e^u), negligible
    // outside [-32, 4].
    constexpr double kFrom = -32.0, kTo = 4.0, kStep = 0.02;
    std::vector<double> fewer(static_cast<size_t>(topK));  // P(exactly c others before t), c < k
    double total = 0;
    const int points = static_cast<int>((kTo - kFrom) / kStep);
    for (int i = 0; i <= points; ++i) {
        const double u = kFrom + i * kStep;
        const double t = std::exp(u);
        std::fill(fewer.begin(), fewer.end(), 0.0);
        fewer[0] = 1.0;
        for (int j = 0; j < n; ++j) {
            if (j == expert) continue;
            const double p = -std::expm1(-weights[static_cast<size_t>(j)] / rate * t);
            for (int c = topK - 1; c > 0; --c) fewer[c] = fewer[c] * (1 - p) + fewer[c - 1] * p;
            fewer[0] *= 1 - p;
        }
        double below = 0;
        for (double f : fewer) below += f;
        total += std::exp(u - t) * below;  // density of this expert's own time, in u
    }
    return std::clamp(total * kStep, 0.0, 1.0);
}

double expectedSkewness(const std::vector<double>& weights, int topK) {
    const int n = static_cast<int>(weights.size());
    if (n == 0 || topK <= 0) return 0;
    // Inclusion is monotone in weight, so the heaviest expert has the largest expected load.
    const int hottest =
        static_cast<int>(std::max_element(weights.begin(), weights.end()) - weights.begin());
    return inclusionProbability(weights, hottest, topK) * n / std::min(topK, n);
}

double maxSkewness(int experts, int topK) {
    return static_cast<double>(experts) / static_cast<double>(topK);
}

double zipfExponentForSkew(int experts, int topK, double skew) {
    if (experts < 1 || topK < 1 || topK > experts)
        throw Error("synthetic workload needs 1 <= top_k <= experts, got top_k=" +
                    std::to_string(topK) + ", experts=" + std::to_string(experts));
    const double most = maxSkewness(experts, topK);
    if (!(skew >= 1.0 && skew <= most + 1e-12)) {
        std::ostringstream msg;
        msg << "skew " << skew << " is out of range [1, " << most << "]: with " << experts
            << " experts and top-" << topK << " no expert can get more than E/k = " << most
            << " times the mean load";
        throw Error(msg.str());
    }
    if (skew <= 1.0 || topK == experts) return 0.0;
    double lo = 0, hi = 1;
    constexpr double kMaxExponent = 64;  // beyond this the k hottest are drawn every time
    while (hi < kMaxExponent && expectedSkewness(zipfWeights(experts, hi), topK) < skew) hi *= 2;
    hi = std::min(hi, kMaxExponent);
    for (int i = 0; i < 50 && hi - lo > 1e-7; ++i) {
        const double mid = 0.5 * (lo + hi);
        (expectedSkewness(zipfWeights(experts, mid), topK) < skew ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
}

}  // namespace moe
