// See arima_predictor.h. Series i is refitted when (steps observed + i) is a multiple of the
// refit period, so each step refits about (layers x experts) / refitEvery series instead of all
// of them at once every refitEvery steps.
#include "core/predict/arima_predictor.h"

#include <algorithm>
#include <chrono>

#include "core/common/error.h"

namespace moe {

namespace {

// History is trimmed in batches: keep up to this many extra values before erasing the oldest.
constexpr size_t kSlack = 64;

double microsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
        .count();
}

}  // namespace

void ArimaOptions::validate() const {
    auto bad = [](const std::string& field, int value, const std::string& rule) {
        throw Error("arima: " + field + "=" + std::to_string(value) + " is invalid: " + rule);
    };
    if (p < 0 || p > 10) bad("p", p, "AR order must be in 0..10");
    if (d < 0 || d > 2) bad("d", d, "differencing order must be in 0..2");
    if (q < 0 || q > 10) bad("q", q, "MA order must be in 0..10");
    if (history < minHistory())
        bad("history", history,
            "must be at least d + 2 (p + q) + 10 = " + std::to_string(minHistory()));
    if (refitEvery < 1) bad("refit", refitEvery, "must be at least 1");
    if (maxIterations < 1) bad("max_iterations", maxIterations, "must be at least 1");
    if (refitIterations < 1) bad("refit_iterations", refitIterations, "must be at least 1");
}

ArimaPredictor::ArimaPredictor(const ArimaOptions& options) : options_(options) {
    options_.validate();
}

std::string ArimaPredictor::parameters() const {
    std::string s = "p=" + std::to_string(options_.p) + ",d=" + std::to_string(options_.d) +
                    ",q=" + std::to_string(options_.q) +
                    ",history=" + std::to_string(options_.history) +
                    ",refit=" + std::to_string(options_.refitEvery);
    if (options_.maxIterations != ArimaOptions{}.maxIterations)
        s += ",max_iterations=" + std::to_string(options_.maxIterations);
    if (options_.refitIterations != ArimaOptions{}.refitIterations)
        s += ",refit_iterations=" + std::to_string(options_.refitIterations);
    return s;
}

bool ArimaPredictor::dueForFit(size_t index) const {
    return observed_ >= options_.minHistory() &&
           (observed_ + static_cast<int64_t>(index)) % options_.refitEvery == 0;
}

void ArimaPredictor::observe(int64_t /*step*/, const LoadShares& shares) {
    const auto start = std::chrono::steady_clock::now();
    if (series_.empty()) {
        layers_ = shares.layers;
        experts_ = shares.experts;
        series_.assign(static_cast<size_t>(layers_) * experts_,
                       Series{ArimaModel(options_.p, options_.d, options_.q), {}, false});
    }
    if (shares.layers != layers_ || shares.experts != experts_ || shares.p.size() != series_.size())
        throw Error("arima: shares of " + std::to_string(shares.layers) + "x" +
                    std::to_string(shares.experts) + " after steps of " + std::to_string(layers_) +
                    "x" + std::to_string(experts_));
    ++observed_;
    ++cost_.steps;
    // Fits stop where statsmodels' L-BFGS-B would (scipy defaults factr = 1e7, i.e. a
    // relative improvement below 2.2e-9, and pgtol = 1e-5), or at the iteration cap. On expert
    // shares ARIMA(5,1,5) mostly ends at the cap, as statsmodels does: the optimum lies at the
    // invertibility boundary (the shares are over-differenced noise).
    ArimaFitOptions fitOptions;
    fitOptions.warmStart = true;
    fitOptions.maxIterations = options_.maxIterations;
    fitOptions.relativeTolerance = 2.2e-9;
    fitOptions.gradientTolerance = 1e-5;
    const size_t window = static_cast<size_t>(options_.history);
    std::vector<size_t> due;
    for (size_t i = 0; i < series_.size(); ++i) {
        Series& s = series_[i];
        const double x = shares.p[i];
        s.history.push_back(x);
        if (s.history.size() > window + kSlack)
            s.history.erase(s.history.begin(), s.history.end() - static_cast<ptrdiff_t>(window));
        if (dueForFit(i))
            due.push_back(i);
        else if (s.fitted)
            s.model.append(x);
    }
    const auto fitStart = std::chrono::steady_clock::now();
    fitDue(due, fitOptions);
    const double fitTime = due.empty() ? 0 : microsSince(fitStart);
    cost_.fits += static_cast<int64_t>(due.size());
    cost_.fitMicros += fitTime;
    cost_.appendMicros += microsSince(start) - fitTime;
}

// The series are independent: their refits run on all cores (each model is its own state),
// with the same figures as one after another.
void ArimaPredictor::fitDue(const std::vector<size_t>& due, ArimaFitOptions options) {
    ArimaFitOptions refit = options;  // a series fitted before starts from its last fit
    refit.maxIterations = options_.refitIterations;
    const size_t window = static_cast<size_t>(options_.history);
    std::string failure;
#pragma omp parallel for schedule(dynamic) if (due.size() > 1)
    for (size_t j = 0; j < due.size(); ++j) {
        Series& s = series_[due[j]];
        try {
            const size_t n = std::min(window, s.history.size());
            s.model.fit(std::span(s.history).last(n), s.fitted ? refit : options);
            s.fitted = true;
        } catch (const std::exception& e) {
#pragma omp critical(arima_fit_failure)
            failure = e.what();
        }
    }
    if (!failure.empty()) throw Error("arima: " + failure);
}

void ArimaPredictor::forecast(int horizon, Forecast& out) {
    const auto start = std::chrono::steady_clock::now();
    horizon = std::max(horizon, 0);
    out.resizeSteps(horizon, layers_, experts_);
    scratch_.resize(static_cast<size_t>(horizon));
    for (size_t i = 0; i < series_.size(); ++i) {
        const Series& s = series_[i];
        if (s.fitted) {
            s.model.forecast(std::span<double>(scratch_));
        } else {
            std::fill(scratch_.begin(), scratch_.end(), s.history.back());
        }
        for (int h = 1; h <= horizon; ++h)
            out.step(h)[i] = static_cast<float>(std::max(0.0, scratch_[h - 1]));
    }
    cost_.forecastMicros += microsSince(start);
    ++cost_.forecasts;
}

int ArimaPredictor::fittedSeries() const {
    int n = 0;
    for (const Series& s : series_) n += s.fitted && !s.model.usesFallback();
    return n;
}

const ArimaModel* ArimaPredictor::model(int layer, int expert) const {
    if (series_.empty() || layer < 0 || layer >= layers_ || expert < 0 || expert >= experts_)
        return nullptr;
    return &series_[static_cast<size_t>(layer) * experts_ + expert].model;
}

}  // namespace moe
