// The reference points every other predictor is judged against: the last observed value,
// an exponential moving average, SW_Avg (Cong et al.'s best predictor: the mean of the last W
// steps' shares, flat over the horizon) and the oracle (the true future: a zero-error bound
// that checks the evaluation itself).
#pragma once

#include <deque>

#include "core/predict/predictor.h"

namespace moe {

class LastValuePredictor final : public Predictor {
public:
    std::string name() const override { return "last"; }
    std::string parameters() const override { return ""; }
    void observe(int64_t step, const LoadShares& shares) override;
    void forecast(int horizon, Forecast& out) override;

private:
    LoadShares last_;
};

class EmaPredictor final : public Predictor {
public:
    explicit EmaPredictor(double alpha);  // weight of the newest step, in (0, 1]
    std::string name() const override { return "ema"; }
    std::string parameters() const override;
    void observe(int64_t step, const LoadShares& shares) override;
    void forecast(int horizon, Forecast& out) override;

private:
    double alpha_;
    bool started_ = false;
    LoadShares mean_;
};

class SlidingWindowPredictor final : public Predictor {
public:
    explicit SlidingWindowPredictor(int window);
    std::string name() const override { return "sw_avg"; }
    std::string parameters() const override;
    void observe(int64_t step, const LoadShares& shares) override;
    void forecast(int horizon, Forecast& out) override;

private:
    int window_;
    std::deque<LoadShares> history_;
    std::vector<double> sum_;  // running sum over the window, double to avoid drift
    LoadShares mean_;
};

class OraclePredictor final : public Predictor {
public:
    std::string name() const override { return "oracle"; }
    std::string parameters() const override { return ""; }
    void observe(int64_t, const LoadShares&) override {}
    void forecast(int horizon, Forecast& out) override;
    bool wantsFuture() const override { return true; }
    void peekFuture(std::span<const LoadShares> next) override { future_ = next; }

private:
    std::span<const LoadShares> future_;
};

}  // namespace moe
