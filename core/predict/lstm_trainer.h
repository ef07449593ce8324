// Training of the load-share LSTM: Adam, clipping by global gradient norm, and stateful
// truncated BPTT over one run's series of shares. Separate from the network so the gradient
// check exercises the network alone and the predictor only decides when to train.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "core/predict/lstm_network.h"

namespace moe {

// Adam (Kingma & Ba) with bias correction, over a flat parameter vector.
template <typename T>
class AdamOptimizer {
public:
    AdamOptimizer(size_t parameters, double learningRate, double beta1 = 0.9, double beta2 = 0.999,
                  double epsilon = 1e-8);
    void step(std::span<T> parameters, std::span<const T> gradients);
    long long steps() const { return t_; }

private:
    double lr_, beta1_, beta2_, eps_;
    long long t_ = 0;
    std::vector<T> m_, v_;
};

// Scales `gradients` so their global L2 norm is at most maxNorm (no-op when maxNorm <= 0);
// returns the norm before clipping.
template <typename T>
double clipGlobalNorm(std::span<T> gradients, double maxNorm);

struct LstmTrainOptions {
    int epochs = 20;
    int window = 32;  // BPTT window: steps per parameter update
    double learningRate = 3e-3;
    double clip = 1.0;  // max global gradient norm; 0 = no clipping
};

struct LstmTrainReport {
    double seconds = 0;     // wall time of the whole training
    double finalLoss = 0;   // loss of the trained network over the training series (no update)
    long long updates = 0;  // Adam steps
    std::vector<double> epochLoss;  // mean loss seen during each epoch (while it updated)
};

// Trains on `steps` consecutive steps of shares (steps x inputs(), step-major): input step t,
// target step t+1. Each epoch starts from the zero state and walks the series in order, one
// window per update, carrying the state from window to window: the same way the predictor runs
// the network over a live run from its first step. Throws moe::Error when steps < 2.
template <typename T>
LstmTrainReport trainLstm(LstmNetwork<T>& network, std::span<const T> series, int steps,
                          const LstmTrainOptions& options);

// The loss of `network` over a series (same walk as training, no update).
template <typename T>
double evaluateLstm(LstmNetwork<T>& network, std::span<const T> series, int steps, int window);

}  // namespace moe
