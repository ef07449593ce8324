// See baseline_predictors.h. All but the oracle give flat forecasts: O(L*E) per step.
#include "core/predict/baseline_predictors.h"

#include <algorithm>
#include <cmath>

#include "core/common/error.h"

namespace moe {
namespace {
std::string number(double v) {
    std::string s = std::to_string(v);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
}
}  // namespace

void LastValuePredictor::observe(int64_t, const LoadShares& shares) { last_ = shares; }

void LastValuePredictor::forecast(int horizon, Forecast& out) { out.setFlat(horizon, last_); }

EmaPredictor::EmaPredictor(double alpha) : alpha_(alpha) {
    if (!(alpha > 0 && alpha <= 1))
        throw Error("ema: alpha must be in (0, 1], got " + number(alpha));
}

std::string EmaPredictor::parameters() const { return "alpha=" + number(alpha_); }

void EmaPredictor::observe(int64_t, const LoadShares& shares) {
    if (!started_) {
        mean_ = shares;
        started_ = true;
        return;
    }
    const float a = static_cast<float>(alpha_);
    for (size_t i = 0; i < mean_.p.size(); ++i) mean_.p[i] += a * (shares.p[i] - mean_.p[i]);
}

void EmaPredictor::forecast(int horizon, Forecast& out) { out.setFlat(horizon, mean_); }

SlidingWindowPredictor::SlidingWindowPredictor(int window) : window_(window) {
    if (window < 1) throw Error("sw_avg: window must be >= 1, got " + std::to_string(window));
}

std::string SlidingWindowPredictor::parameters() const {
    return "window=" + std::to_string(window_);
}

void SlidingWindowPredictor::observe(int64_t, const LoadShares& shares) {
    if (sum_.empty()) {
        sum_.assign(shares.p.size(), 0.0);
        mean_ = LoadShares(shares.layers, shares.experts);
    }
    history_.push_back(shares);
    for (size_t i = 0; i < sum_.size(); ++i) sum_[i] += shares.p[i];
    if (static_cast<int>(history_.size()) > window_) {
        const LoadShares& old = history_.front();
        for (size_t i = 0; i < sum_.size(); ++i) sum_[i] -= old.p[i];
        history_.pop_front();
    }
    const double n = static_cast<double>(history_.size());
    for (size_t i = 0; i < sum_.size(); ++i) mean_.p[i] = static_cast<float>(sum_[i] / n);
}

void SlidingWindowPredictor::forecast(int horizon, Forecast& out) { out.setFlat(horizon, mean_); }

void OraclePredictor::forecast(int horizon, Forecast& out) {
    if (static_cast<int>(future_.size()) < horizon)
        throw Error("oracle: the evaluator gave " + std::to_string(future_.size()) +
                    " future steps for a horizon of " + std::to_string(horizon));
    const LoadShares& first = future_[0];
    out.resizeSteps(horizon, first.layers, first.experts);
    for (int h = 1; h <= horizon; ++h)
        std::copy(future_[h - 1].p.begin(), future_[h - 1].p.end(), out.step(h));
}

}  // namespace moe
