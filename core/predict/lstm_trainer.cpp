// See lstm_trainer.h. Moments and norms accumulate in double whatever T is, so a float network
// trains without the optimiser's own rounding adding noise.
#include "core/predict/lstm_trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/common/error.h"

namespace moe {

template <typename T>
AdamOptimizer<T>::AdamOptimizer(size_t parameters, double learningRate, double beta1, double beta2,
                                double epsilon)
    : lr_(learningRate),
      beta1_(beta1),
      beta2_(beta2),
      eps_(epsilon),
      m_(parameters, T(0)),
      v_(parameters, T(0)) {}

template <typename T>
void AdamOptimizer<T>::step(std::span<T> parameters, std::span<const T> gradients) {
    if (parameters.size() != m_.size() || gradients.size() != m_.size())
        throw Error("Adam: parameter and gradient sizes do not match the optimiser's");
    ++t_;
    const double c1 = 1 - std::pow(beta1_, static_cast<double>(t_));
    const double c2 = 1 - std::pow(beta2_, static_cast<double>(t_));
    const double stepSize = lr_ * std::sqrt(c2) / c1;
    // The bias corrections are folded into the step size; epsilon is scaled to match, which is
    // the formulation of the Adam paper's section 2 (and of PyTorch up to eps placement).
    const double eps = eps_ * std::sqrt(c2);
    for (size_t i = 0; i < m_.size(); ++i) {
        const double g = gradients[i];
        const double m = beta1_ * m_[i] + (1 - beta1_) * g;
        const double v = beta2_ * v_[i] + (1 - beta2_) * g * g;
        m_[i] = static_cast<T>(m);
        v_[i] = static_cast<T>(v);
        parameters[i] -= static_cast<T>(stepSize * m / (std::sqrt(v) + eps));
    }
}

template <typename T>
double clipGlobalNorm(std::span<T> gradients, double maxNorm) {
    double sq = 0;
    for (const T g : gradients) sq += static_cast<double>(g) * g;
    const double norm = std::sqrt(sq);
    if (maxNorm > 0 && norm > maxNorm) {
        const T scale = static_cast<T>(maxNorm / norm);
        for (T& g : gradients) g *= scale;
    }
    return norm;
}

namespace {

// Walks the series window by window from the zero state; `update` (may be empty) runs after
// each window's gradient. Returns the loss averaged over all steps.
template <typename T, typename Update>
double walkSeries(LstmNetwork<T>& net, std::span<const T> series, int steps, int window,
                  bool withGradient, Update&& update) {
    const size_t D = static_cast<size_t>(net.shape().inputs());
    if (steps < 2)
        throw Error("LSTM training needs at least 2 steps of shares, got " + std::to_string(steps));
    if (series.size() < static_cast<size_t>(steps) * D)
        throw Error("LSTM training series is shorter than " + std::to_string(steps) + " steps");
    if (window < 1) throw Error("LSTM window must be >= 1, got " + std::to_string(window));
    auto state = net.zeroState();
    const int pairs = steps - 1;  // (input t, target t+1)
    double total = 0;
    for (int start = 0; start < pairs; start += window) {
        const int w = std::min(window, pairs - start);
        const auto in = series.subspan(start * D, w * D);
        const auto target = series.subspan((start + 1) * D, w * D);
        const double loss = withGradient ? net.lossAndGradient(in, target, w, state)
                                         : net.loss(in, target, w, state);
        total += loss * w;
        update();
    }
    return total / pairs;
}

}  // namespace

template <typename T>
LstmTrainReport trainLstm(LstmNetwork<T>& network, std::span<const T> series, int steps,
                          const LstmTrainOptions& options) {
    if (options.epochs < 1)
        throw Error("LSTM epochs must be >= 1, got " + std::to_string(options.epochs));
    const auto start = std::chrono::steady_clock::now();
    LstmTrainReport report;
    AdamOptimizer<T> adam(network.parameterCount(), options.learningRate);
    auto update = [&] {
        clipGlobalNorm(network.gradients(), options.clip);
        adam.step(network.parameters(), network.gradients());
    };
    for (int e = 0; e < options.epochs; ++e)
        report.epochLoss.push_back(
            walkSeries(network, series, steps, options.window, true, update));
    report.updates = adam.steps();
    report.finalLoss = evaluateLstm(network, series, steps, options.window);
    report.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return report;
}

template <typename T>
double evaluateLstm(LstmNetwork<T>& network, std::span<const T> series, int steps, int window) {
    return walkSeries(network, series, steps, window, false, [] {});
}

template class AdamOptimizer<float>;
template class AdamOptimizer<double>;
template double clipGlobalNorm<float>(std::span<float>, double);
template double clipGlobalNorm<double>(std::span<double>, double);
template LstmTrainReport trainLstm<float>(LstmNetwork<float>&, std::span<const float>, int,
                                          const LstmTrainOptions&);
template LstmTrainReport trainLstm<double>(LstmNetwork<double>&, std::span<const double>, int,
                                           const LstmTrainOptions&);
template double evaluateLstm<float>(LstmNetwork<float>&, std::span<const float>, int, int);
template double evaluateLstm<double>(LstmNetwork<double>&, std::span<const double>, int, int);

}  // namespace moe
