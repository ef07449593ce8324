// Cong et al.'s third predictor (methods.md 1.3) behind the common Predictor interface: an LSTM
// over all experts' shares of all layers, trained on one run's series and run over another.
// It trains either explicitly (train(), on another trace or workload) or online, once, on the
// first `trainSteps` steps it observes; until then it forecasts the last observed shares.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/predict/lstm_network.h"
#include "core/predict/lstm_trainer.h"
#include "core/predict/predictor.h"

namespace moe {

// The paper states no sizes; these are the workbench's defaults, all parameters.
struct LstmOptions {
    int hidden = 64;             // units per LSTM layer
    int layers = 1;              // stacked LSTM layers
    int window = 32;             // BPTT window (steps per update)
    int epochs = 20;             // passes over the training series
    double learningRate = 3e-3;  // Adam
    double clip = 1.0;           // max global gradient norm; 0 = no clipping
    int trainSteps = 500;        // online mode: steps observed before the one training
    uint64_t seed = 1;           // initialisation

    // Throws moe::Error naming the first bad field.
    void validate() const;
    // "hidden=64,layers=1,window=32,epochs=20,lr=0.003,clip=1,train_steps=500,seed=1".
    std::string describe() const;
    // Parses that key=value list over the defaults (any subset, any order; empty = defaults)
    // and validates; throws moe::Error naming an unknown key or a bad value.
    static LstmOptions parse(const std::string& keyValues);
};

class LstmPredictor final : public Predictor {
public:
    explicit LstmPredictor(const LstmOptions& options = {});  // validates
    ~LstmPredictor() override;

    std::string name() const override { return "lstm"; }
    std::string parameters() const override { return options_.describe(); }
    // Advances the LSTM state by one step (no training), except in online mode where the
    // `trainSteps`-th observation first trains the network (blocking, once) on all steps seen.
    void observe(int64_t step, const LoadShares& shares) override;
    // Autoregressive rollout from the state after the last observed step: each step's output
    // is fed back as the next input. Before training: the last observed shares, flat.
    void forecast(int horizon, Forecast& out) override;

    // Explicit training on another run's series: a fresh seeded network, replacing any earlier
    // one; online training is then off. Steps observed while untrained are replayed through it
    // (after an earlier training they were not kept, and the state restarts from zero).
    // Throws moe::Error when fewer than 2 steps are given or shapes differ.
    void train(std::span<const LoadShares> sequence);

    bool trained() const { return network_ != nullptr; }
    const LstmOptions& options() const { return options_; }
    // Measured cost and fit; zero before training / before the first forecast.
    double trainingSeconds() const { return report_.seconds; }
    double finalTrainingLoss() const { return report_.finalLoss; }  // mean KL, nats per layer
    const LstmTrainReport& trainingReport() const { return report_; }
    double microsecondsPerForecast() const;  // mean over all forecast() calls so far
    int64_t forecastCalls() const { return forecastCalls_; }

private:
    void checkShape(const LoadShares& shares);
    void fit(std::span<const float> series, int steps);

    LstmOptions options_;
    int layers_ = 0, experts_ = 0;  // 0 until the first shares are seen
    std::unique_ptr<LstmNetwork<float>> network_;
    LstmNetwork<float>::State state_;
    std::vector<float> history_;  // steps observed while untrained, step-major
    int historySteps_ = 0;
    LoadShares last_;
    bool observed_ = false;
    LstmTrainReport report_;
    double forecastSeconds_ = 0;
    int64_t forecastCalls_ = 0;
};

}  // namespace moe
