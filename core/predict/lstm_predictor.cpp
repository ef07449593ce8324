// See lstm_predictor.h. The predictor owns the float network, its state after the last
// observed step, and (only until it is trained) the observed steps it will train on.
#include "core/predict/lstm_predictor.h"

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "core/common/error.h"

namespace moe {
namespace {

void require(bool ok, const std::string& field, const std::string& rule, const std::string& got) {
    if (!ok) throw Error("lstm: " + field + " must be " + rule + ", got " + got);
}

template <typename Int>
Int parseInteger(const std::string& key, const std::string& text) {
    Int v{};
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty())
        throw Error("lstm: " + key + " needs an integer, got '" + text + "'");
    return v;
}

double parseReal(const std::string& key, const std::string& text) {
    size_t used = 0;
    double v = 0;
    try {
        v = std::stod(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (text.empty() || used != text.size())
        throw Error("lstm: " + key + " needs a number, got '" + text + "'");
    return v;
}

std::string number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

}  // namespace

void LstmOptions::validate() const {
    require(hidden >= 1 && hidden <= 4096, "hidden", "in 1..4096", std::to_string(hidden));
    require(layers >= 1 && layers <= 16, "layers", "in 1..16", std::to_string(layers));
    require(window >= 1, "window", ">= 1", std::to_string(window));
    require(epochs >= 1, "epochs", ">= 1", std::to_string(epochs));
    require(std::isfinite(learningRate) && learningRate > 0 && learningRate <= 1,
            "lr (learning rate)", "in (0, 1]", number(learningRate));
    require(std::isfinite(clip) && clip >= 0, "clip", ">= 0 (0 = no clipping)", number(clip));
    require(trainSteps >= 2, "train_steps", ">= 2", std::to_string(trainSteps));
}

std::string LstmOptions::describe() const {
    return "hidden=" + std::to_string(hidden) + ",layers=" + std::to_string(layers) +
           ",window=" + std::to_string(window) + ",epochs=" + std::to_string(epochs) +
           ",lr=" + number(learningRate) + ",clip=" + number(clip) +
           ",train_steps=" + std::to_string(trainSteps) + ",seed=" + std::to_string(seed);
}

LstmOptions LstmOptions::parse(const std::string& keyValues) {
    LstmOptions o;
    std::stringstream list(keyValues);
    std::string item;
    while (std::getline(list, item, ',')) {
        if (item.empty()) continue;
        const size_t eq = item.find('=');
        if (eq == std::string::npos) throw Error("lstm: expected key=value, got '" + item + "'");
        const std::string key = item.substr(0, eq), value = item.substr(eq + 1);
        if (key == "hidden")
            o.hidden = parseInteger<int>(key, value);
        else if (key == "layers")
            o.layers = parseInteger<int>(key, value);
        else if (key == "window")
            o.window = parseInteger<int>(key, value);
        else if (key == "epochs")
            o.epochs = parseInteger<int>(key, value);
        else if (key == "lr")
            o.learningRate = parseReal(key, value);
        else if (key == "clip")
            o.clip = parseReal(key, value);
        else if (key == "train_steps")
            o.trainSteps = parseInteger<int>(key, value);
        else if (key == "seed")
            o.seed = parseInteger<uint64_t>(key, value);
        else
            throw Error("lstm: unknown key '" + key +
                        "' (keys: hidden, layers, window, epochs, lr, clip, train_steps, seed)");
    }
    o.validate();
    return o;
}

LstmPredictor::LstmPredictor(const LstmOptions& options) : options_(options) {
    options_.validate();
}

LstmPredictor::~LstmPredictor() = default;

void LstmPredictor::checkShape(const LoadShares& shares) {
    if (shares.layers < 1 || shares.experts < 1 ||
        shares.p.size() != static_cast<size_t>(shares.layers) * shares.experts)
        throw Error("lstm: shares without layers or experts");
    if (layers_ == 0) {
        layers_ = shares.layers;
        experts_ = shares.experts;
    } else if (shares.layers != layers_ || shares.experts != experts_) {
        throw Error("lstm: shares of " + std::to_string(shares.layers) + " layers x " +
                    std::to_string(shares.experts) + " experts, but the predictor works on " +
                    std::to_string(layers_) + " x " + std::to_string(experts_));
    }
}

// Trains a fresh, seeded network on `series`, then replays the steps observed so far to
// bring the state to the last observed step.
void LstmPredictor::fit(std::span<const float> series, int steps) {
    const size_t D = static_cast<size_t>(layers_) * experts_;
    LstmShape shape{layers_, experts_, options_.hidden, options_.layers};
    auto net = std::make_unique<LstmNetwork<float>>(shape, options_.seed);
    // Start from the series mean: the untrained head then already forecasts like a long
    // window average, and training spends its updates on the dynamics.
    std::vector<double> mean(D, 0.0);
    for (int t = 0; t < steps; ++t)
        for (size_t i = 0; i < D; ++i) mean[i] += series[t * D + i];
    std::vector<float> meanShares(D);
    for (size_t i = 0; i < D; ++i) meanShares[i] = static_cast<float>(mean[i] / steps);
    net->setOutputBias(meanShares);
    const LstmTrainOptions train{options_.epochs, options_.window, options_.learningRate,
                                 options_.clip};
    report_ = trainLstm<float>(*net, series, steps, train);
    network_ = std::move(net);
    state_ = network_->zeroState();
    for (int t = 0; t < historySteps_; ++t)
        network_->advance(std::span<const float>(history_).subspan(t * D, D), state_);
    history_.clear();
    history_.shrink_to_fit();
    historySteps_ = 0;
}

void LstmPredictor::train(std::span<const LoadShares> sequence) {
    if (sequence.size() < 2)
        throw Error("lstm: training needs at least 2 steps of shares, got " +
                    std::to_string(sequence.size()));
    for (const LoadShares& s : sequence) checkShape(s);
    std::vector<float> series;
    series.reserve(sequence.size() * sequence[0].p.size());
    for (const LoadShares& s : sequence) series.insert(series.end(), s.p.begin(), s.p.end());
    fit(series, static_cast<int>(sequence.size()));
}

void LstmPredictor::observe(int64_t, const LoadShares& shares) {
    checkShape(shares);
    last_ = shares;
    observed_ = true;
    if (network_) {
        network_->advance(shares.p, state_);
        return;
    }
    history_.insert(history_.end(), shares.p.begin(), shares.p.end());
    ++historySteps_;
    if (historySteps_ >= options_.trainSteps) {
        const std::vector<float> series = history_;  // fit() replays and clears history_
        fit(series, historySteps_);
    }
}

void LstmPredictor::forecast(int horizon, Forecast& out) {
    if (horizon < 1) throw Error("lstm: horizon must be >= 1, got " + std::to_string(horizon));
    if (!observed_) throw Error("lstm: forecast before the first observed step");
    const auto start = std::chrono::steady_clock::now();
    if (!network_) {
        out.setFlat(horizon, last_);
    } else {
        const size_t D = static_cast<size_t>(layers_) * experts_;
        out.resizeSteps(horizon, layers_, experts_);
        auto state = state_;
        network_->predict(state, std::span<float>(out.step(1), D));
        for (int h = 2; h <= horizon; ++h) {
            network_->advance(std::span<const float>(out.step(h - 1), D), state);
            network_->predict(state, std::span<float>(out.step(h), D));
        }
    }
    forecastSeconds_ +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ++forecastCalls_;
}

double LstmPredictor::microsecondsPerForecast() const {
    return forecastCalls_ ? forecastSeconds_ * 1e6 / forecastCalls_ : 0.0;
}

}  // namespace moe
