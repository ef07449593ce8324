// Element-wise updates, parallel over elements (no reductions across threads, so results are
// the same with any thread count); the clipping norm is summed in double in a fixed order.
#include "core/train/adamw.h"

#include <algorithm>
#include <cmath>

#include "core/common/error.h"

namespace moe::train {

void AdamWOptions::validate() const {
    auto need = [](bool ok, const char* what) {
        if (!ok) throw Error(std::string("invalid optimizer setting: ") + what);
    };
    need(lr > 0 && std::isfinite(lr), "lr must be a positive number");
    need(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1, "betas must be in [0, 1)");
    need(eps > 0, "eps must be positive");
    need(weightDecay >= 0, "weight decay must be 0 or more");
    need(clip >= 0, "clip must be 0 (off) or more");
    need(warmup >= 0, "warm-up must be 0 or more steps");
}

AdamW::AdamW(const AdamWOptions& options, const std::vector<Param<float>>& params) : o_(options) {
    o_.validate();
    for (const auto& p : params) {
        m_.emplace_back(p.value.size(), 0.0f);
        v_.emplace_back(p.value.size(), 0.0f);
    }
}

double AdamW::learningRate() const {
    if (o_.warmup > 0 && t_ < o_.warmup) return o_.lr * static_cast<double>(t_ + 1) / o_.warmup;
    return o_.lr;
}

double AdamW::step(std::vector<Param<float>>& params) {
    double sq = 0;
    for (const auto& p : params)
        for (float g : p.grad) sq += static_cast<double>(g) * g;
    const double norm = std::sqrt(sq);
    const float scale = (o_.clip > 0 && norm > o_.clip) ? static_cast<float>(o_.clip / norm) : 1;
    const double lr = learningRate();
    ++t_;
    const float b1 = static_cast<float>(o_.beta1), b2 = static_cast<float>(o_.beta2);
    const float c1 = static_cast<float>(1 - std::pow(o_.beta1, static_cast<double>(t_)));
    const float c2 = static_cast<float>(1 - std::pow(o_.beta2, static_cast<double>(t_)));
    const float eps = static_cast<float>(o_.eps), flr = static_cast<float>(lr);
    for (size_t i = 0; i < params.size(); ++i) {
        Param<float>& p = params[i];
        const float wd = p.decay ? static_cast<float>(o_.weightDecay) : 0.0f;
        float* w = p.value.data();
        const float* g = p.grad.data();
        float* m = m_[i].data();
        float* v = v_[i].data();
        const long n = static_cast<long>(p.value.size());
#pragma omp parallel for schedule(static) if (n > 65536)
        for (long j = 0; j < n; ++j) {
            const float gj = g[j] * scale;
            m[j] = b1 * m[j] + (1 - b1) * gj;
            v[j] = b2 * v[j] + (1 - b2) * gj * gj;
            const float mh = m[j] / c1, vh = v[j] / c2;
            w[j] -= flr * (mh / (std::sqrt(vh) + eps) + wd * w[j]);
        }
    }
    return norm;
}

}  // namespace moe::train
