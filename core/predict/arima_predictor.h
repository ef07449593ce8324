// The ARIMA load predictor of Cong et al. (methods.md section 1; ARIMA(5,1,5) in the paper): one
// ArimaModel per expert share series, fitted on a rolling history and refitted on a staggered
// schedule so every step pays about the same; between refits new shares are only filtered.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/predict/arima_model.h"
#include "core/predict/predictor.h"

namespace moe {

struct ArimaOptions {
    int p = 5, d = 1, q = 5;
    int history = 200;       // observations each fit sees (the most recent ones)
    int refitEvery = 50;     // steps between two fits of one series
    int maxIterations = 50;  // optimiser cap of a series' first fit (statsmodels' maxiter: 50)
    // Cap of each later refit, which starts from the previous fit. On expert shares the
    // likelihood keeps creeping toward the invertibility boundary: 10 warm iterations forecast
    // as well as 50 or better (bench/results, what-if gap closed) at a fifth of the cost.
    int refitIterations = 10;

    // Throws moe::Error naming the bad field (p, d, q, history, refit, max_iterations,
    // refit_iterations).
    void validate() const;
    // Observations a series needs before its first fit: d + 2 (p + q) + 10. Until then, and
    // until its staggered slot comes, a series forecasts its last value.
    int minHistory() const { return d + 2 * (p + q) + 10; }
};

// Where the time goes, in microseconds of wall clock on this thread, summed over the run.
struct ArimaCost {
    double fitMicros = 0;       // ArimaModel::fit calls (the refits)
    double appendMicros = 0;    // filtering each new observation between refits
    double forecastMicros = 0;  // forecast() calls
    int64_t fits = 0;
    int64_t forecasts = 0;  // forecast() calls (each covers every layer and expert)
    int64_t steps = 0;      // observe() calls
};

class ArimaPredictor final : public Predictor {
public:
    explicit ArimaPredictor(const ArimaOptions& options = {});  // validates

    std::string name() const override { return "arima"; }
    std::string parameters() const override;  // "p=5,d=1,q=5,history=200,refit=50"
    void observe(int64_t step, const LoadShares& shares) override;
    // Per-step forecasts; each share is clipped at 0 and NOT renormalised: every series has
    // its own model, and rescaling a layer would move every expert's forecast by the errors of
    // the others. A layer's forecasts therefore sum to about, not exactly, 1.
    void forecast(int horizon, Forecast& out) override;

    const ArimaOptions& options() const { return options_; }
    const ArimaCost& cost() const { return cost_; }
    double fitMicros() const { return cost_.fitMicros; }
    double forecastMicros() const { return cost_.forecastMicros; }
    // Series whose forecast currently comes from a fitted model (not a fallback).
    int fittedSeries() const;
    const ArimaModel* model(int layer, int expert) const;  // nullptr before the first step

private:
    struct Series {
        ArimaModel model;
        std::vector<double> history;  // the newest values, at most history + kSlack of them
        bool fitted = false;          // fit() ran at least once
    };
    bool dueForFit(size_t index) const;
    void fitDue(const std::vector<size_t>& due, ArimaFitOptions options);

    ArimaOptions options_;
    int layers_ = 0, experts_ = 0;
    int64_t observed_ = 0;
    std::vector<Series> series_;  // layer-major: index = l * experts + e
    std::vector<double> scratch_;
    ArimaCost cost_;
};

}  // namespace moe
