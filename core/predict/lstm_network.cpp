// See lstm_network.h. Forward keeps every gate, cell and hidden column of the window so the
// backward pass is exact BPTT; the window's input projections and the head are one matrix
// product each (Eigen), only the recurrent part walks step by step.
#include "core/predict/lstm_network.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <random>

#include "core/common/error.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace moe {
namespace {

// Eigen splits a matrix product over OpenMP threads once it is large enough. The window
// products here are a few MFLOP each, too small to gain much, and threads that wait on each
// other collapse on a busy machine: on 2 shared, loaded cores the default training of
// bench_lstm took 1.4-1.7 s on one thread and 10-22 s on two. OpenMP's thread count is a
// per-thread setting, so this pins only the calling thread, for one window; results also no
// longer depend on the thread count.
class OneEigenThread {
public:
#ifdef _OPENMP
    OneEigenThread() : saved_(omp_get_max_threads()) { omp_set_num_threads(1); }
    ~OneEigenThread() { omp_set_num_threads(saved_); }

private:
    int saved_;
#endif
};

template <typename T>
using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
template <typename T>
using Vec = Eigen::Matrix<T, Eigen::Dynamic, 1>;
template <typename T>
using MatMap = Eigen::Map<Mat<T>>;
template <typename T>
using CMatMap = Eigen::Map<const Mat<T>>;
template <typename T>
using VecMap = Eigen::Map<Vec<T>>;
template <typename T>
using CVecMap = Eigen::Map<const Vec<T>>;

// Gate rows of a 4H pre-activation column: [input; forget; cell candidate; output].
template <typename Col>
void activateGates(Col&& a, int H) {
    using T = typename std::decay_t<Col>::Scalar;
    auto sig = [](T v) { return T(1) / (T(1) + std::exp(-v)); };
    a.head(2 * H) = a.head(2 * H).unaryExpr(sig);
    a.segment(2 * H, H) = a.segment(2 * H, H).array().tanh();
    a.tail(H) = a.tail(H).unaryExpr(sig);
}

// Softmax of every group of `groupSize` rows, column by column, in place.
template <typename T>
void groupSoftmax(Mat<T>& z, int groups, int groupSize) {
    for (Eigen::Index t = 0; t < z.cols(); ++t)
        for (int g = 0; g < groups; ++g) {
            auto s = z.col(t).segment(static_cast<Eigen::Index>(g) * groupSize, groupSize);
            s = (s.array() - s.maxCoeff()).exp();
            s /= s.sum();
        }
}

}  // namespace

template <typename T>
struct LstmNetwork<T>::Workspace {
    Mat<T> x0;                  // first layer's inputs, D x W (E*p - 1)
    std::vector<Mat<T>> gates;  // per layer: 4H x W, after the nonlinearities
    std::vector<Mat<T>> h, c;   // per layer: H x (W+1), column 0 = the window's start state
    std::vector<Mat<T>> tanhC;  // per layer: H x W
    Mat<T> probs;               // D x W predicted shares
    Mat<T> dA, dH;              // 4H x W pre-activation gradients; H x W output gradients
};

template <typename T>
LstmNetwork<T>::LstmNetwork(const LstmShape& shape, uint64_t seed)
    : shape_(shape), ws_(std::make_unique<Workspace>()) {
    if (shape.groups < 1 || shape.groupSize < 1 || shape.hidden < 1 || shape.layers < 1)
        throw Error("LSTM shape must have groups, group size, hidden and layers >= 1 (got " +
                    std::to_string(shape.groups) + ", " + std::to_string(shape.groupSize) + ", " +
                    std::to_string(shape.hidden) + ", " + std::to_string(shape.layers) + ")");
    const size_t H = shape.hidden, D = shape.inputs();
    size_t offset = 0;
    auto add = [&](const std::string& name, size_t n) {
        blocks_.push_back({name, offset, n});
        offset += n;
        return offset - n;
    };
    for (int k = 0; k < shape.layers; ++k) {
        LayerParams p;
        p.in = k == 0 ? static_cast<int>(D) : shape.hidden;
        const std::string l = "lstm" + std::to_string(k) + ".";
        p.w = add(l + "W", 4 * H * p.in);
        p.u = add(l + "U", 4 * H * H);
        p.b = add(l + "b", 4 * H);
        layers_.push_back(p);
    }
    headW_ = add("head.W", D * H);
    headB_ = add("head.b", D);
    params_.assign(offset, T(0));
    grads_.assign(offset, T(0));
    initialise(seed);
}

template <typename T>
LstmNetwork<T>::~LstmNetwork() = default;
template <typename T>
LstmNetwork<T>::LstmNetwork(LstmNetwork&&) noexcept = default;
template <typename T>
LstmNetwork<T>& LstmNetwork<T>::operator=(LstmNetwork&&) noexcept = default;

template <typename T>
void LstmNetwork<T>::initialise(uint64_t seed) {
    // mt19937_64's output is fixed by the standard; the distributions are not, so the uniform
    // draw is done by hand to keep parameters identical across standard libraries.
    std::mt19937_64 rng(seed);
    auto fill = [&](size_t offset, size_t n, double bound) {
        for (size_t i = 0; i < n; ++i) {
            const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;  // [0, 1)
            params_[offset + i] = static_cast<T>((2 * u - 1) * bound);
        }
    };
    const size_t H = shape_.hidden;
    const double recurrent = 1.0 / std::sqrt(static_cast<double>(H));
    for (const LayerParams& p : layers_) {
        fill(p.w, 4 * H * p.in, 1.0 / std::sqrt(static_cast<double>(p.in)));
        fill(p.u, 4 * H * H, recurrent);
        std::fill_n(params_.begin() + p.b + H, H, T(1));  // forget gate
    }
    fill(headW_, static_cast<size_t>(shape_.inputs()) * H, recurrent);
}

template <typename T>
void LstmNetwork<T>::setOutputBias(std::span<const T> shares) {
    if (shares.size() != static_cast<size_t>(shape_.inputs()))
        throw Error("LSTM output bias needs " + std::to_string(shape_.inputs()) + " shares");
    for (size_t i = 0; i < shares.size(); ++i)
        params_[headB_ + i] = std::log(std::max(shares[i], T(1e-6)));
}

template <typename T>
typename LstmNetwork<T>::State LstmNetwork<T>::zeroState() const {
    const size_t n = static_cast<size_t>(shape_.layers) * shape_.hidden;
    return State{std::vector<T>(n, T(0)), std::vector<T>(n, T(0))};
}

template <typename T>
double LstmNetwork<T>::forward(std::span<const T> inputs, std::span<const T> targets, int steps,
                               State& state) {
    const int H = shape_.hidden, D = shape_.inputs(), L = shape_.groups;
    if (steps < 1 || inputs.size() < static_cast<size_t>(steps) * D ||
        targets.size() < static_cast<size_t>(steps) * D || !fits(state))
        throw Error("LSTM window: inputs, targets or state do not match the network's shape");
    Workspace& w = *ws_;
    w.x0 = (CMatMap<T>(inputs.data(), D, steps).array() * T(shape_.groupSize) - T(1)).matrix();
    w.gates.resize(shape_.layers);
    w.h.resize(shape_.layers);
    w.c.resize(shape_.layers);
    w.tanhC.resize(shape_.layers);
    for (int k = 0; k < shape_.layers; ++k) {
        const LayerParams& p = layers_[k];
        CMatMap<T> W(params_.data() + p.w, 4 * H, p.in), U(params_.data() + p.u, 4 * H, H);
        CVecMap<T> b(params_.data() + p.b, 4 * H);
        Mat<T>& g = w.gates[k];
        if (k == 0)
            g.noalias() = W * w.x0;
        else
            g.noalias() = W * w.h[k - 1].rightCols(steps);
        g.colwise() += b;
        Mat<T>&h = w.h[k], &c = w.c[k], &tc = w.tanhC[k];
        h.resize(H, steps + 1);
        c.resize(H, steps + 1);
        tc.resize(H, steps);
        h.col(0) = CVecMap<T>(state.h.data() + size_t(k) * H, H);
        c.col(0) = CVecMap<T>(state.c.data() + size_t(k) * H, H);
        for (int t = 0; t < steps; ++t) {
            g.col(t).noalias() += U * h.col(t);
            activateGates(g.col(t), H);
            c.col(t + 1) = g.col(t).head(H).cwiseProduct(g.col(t).segment(2 * H, H)) +
                           g.col(t).segment(H, H).cwiseProduct(c.col(t));
            tc.col(t) = c.col(t + 1).array().tanh();
            h.col(t + 1) = g.col(t).tail(H).cwiseProduct(tc.col(t));
        }
        VecMap<T>(state.h.data() + size_t(k) * H, H) = h.col(steps);
        VecMap<T>(state.c.data() + size_t(k) * H, H) = c.col(steps);
    }
    CMatMap<T> Wy(params_.data() + headW_, D, H);
    w.probs.noalias() = Wy * w.h.back().rightCols(steps);
    w.probs.colwise() += CVecMap<T>(params_.data() + headB_, D);
    groupSoftmax(w.probs, L, shape_.groupSize);
    double loss = 0;
    for (size_t i = 0; i < size_t(steps) * D; ++i) {
        const double p = targets[i];
        const double q = std::max(static_cast<double>(w.probs.data()[i]), 1e-30);  // underflow
        if (p > 0) loss += p * (std::log(p) - std::log(q));
    }
    return loss / (static_cast<double>(steps) * L);
}

template <typename T>
void LstmNetwork<T>::backward(std::span<const T> targets, int steps) {
    const int H = shape_.hidden, D = shape_.inputs(), E = shape_.groupSize;
    Workspace& w = *ws_;
    // d(cross-entropy)/d(logits) = predicted * sum(true) - true per group; the sum is 1 for
    // proper shares but not for a step with dropped pairs, so it is kept.
    Mat<T> dZ(D, steps);
    CMatMap<T> Y(targets.data(), D, steps);
    const T scale = T(1) / (T(steps) * T(shape_.groups));
    for (int t = 0; t < steps; ++t)
        for (int g = 0; g < shape_.groups; ++g) {
            const auto seg = Y.col(t).segment(Eigen::Index(g) * E, E);
            dZ.col(t).segment(Eigen::Index(g) * E, E) =
                (w.probs.col(t).segment(Eigen::Index(g) * E, E) * seg.sum() - seg) * scale;
        }
    const auto top = w.h.back().rightCols(steps);
    MatMap<T>(grads_.data() + headW_, D, H).noalias() = dZ * top.transpose();
    VecMap<T>(grads_.data() + headB_, D) = dZ.rowwise().sum();
    w.dH.noalias() = CMatMap<T>(params_.data() + headW_, D, H).transpose() * dZ;
    for (int k = shape_.layers - 1; k >= 0; --k) backwardLayer(k, steps);
}

// BPTT through one LSTM layer: w.dH holds d(loss)/d(h_t) from above on entry and, for k > 0,
// d(loss)/d(h_t of layer k-1) on exit.
template <typename T>
void LstmNetwork<T>::backwardLayer(int k, int steps) {
    const int H = shape_.hidden;
    const LayerParams& p = layers_[k];
    Workspace& w = *ws_;
    const Mat<T>&g = w.gates[k], &c = w.c[k], &tc = w.tanhC[k];
    CMatMap<T> U(params_.data() + p.u, 4 * H, H);
    w.dA.resize(4 * H, steps);
    Vec<T> dhNext = Vec<T>::Zero(H), dcNext = Vec<T>::Zero(H), dh(H), dc(H);
    for (int t = steps - 1; t >= 0; --t) {
        const auto i = g.col(t).head(H).array(), f = g.col(t).segment(H, H).array();
        const auto cand = g.col(t).segment(2 * H, H).array(), o = g.col(t).tail(H).array();
        const auto tct = tc.col(t).array();
        dh = w.dH.col(t) + dhNext;
        dc = dcNext.array() + dh.array() * o * (T(1) - tct.square());
        auto da = w.dA.col(t);
        da.head(H) = dc.array() * cand * i * (T(1) - i);
        da.segment(H, H) = dc.array() * c.col(t).array() * f * (T(1) - f);
        da.segment(2 * H, H) = dc.array() * i * (T(1) - cand.square());
        da.tail(H) = dh.array() * tct * o * (T(1) - o);
        dcNext = dc.array() * f;
        dhNext.noalias() = U.transpose() * da;
    }
    const auto input = k == 0 ? w.x0.leftCols(steps) : w.h[k - 1].rightCols(steps);
    MatMap<T>(grads_.data() + p.w, 4 * H, p.in).noalias() = w.dA * input.transpose();
    MatMap<T>(grads_.data() + p.u, 4 * H, H).noalias() = w.dA * w.h[k].leftCols(steps).transpose();
    VecMap<T>(grads_.data() + p.b, 4 * H) = w.dA.rowwise().sum();
    if (k > 0) w.dH.noalias() = CMatMap<T>(params_.data() + p.w, 4 * H, p.in).transpose() * w.dA;
}

template <typename T>
double LstmNetwork<T>::lossAndGradient(std::span<const T> inputs, std::span<const T> targets,
                                       int steps, State& state) {
    const OneEigenThread single;
    const double value = forward(inputs, targets, steps, state);
    backward(targets, steps);
    return value;
}

template <typename T>
double LstmNetwork<T>::loss(std::span<const T> inputs, std::span<const T> targets, int steps,
                            State& state) {
    const OneEigenThread single;
    return forward(inputs, targets, steps, state);
}

template <typename T>
void LstmNetwork<T>::advance(std::span<const T> shares, State& state) const {
    const int H = shape_.hidden, D = shape_.inputs();
    if (shares.size() != static_cast<size_t>(D) || !fits(state))
        throw Error("LSTM step needs " + std::to_string(D) +
                    " shares and a state of this "
                    "network, got " +
                    std::to_string(shares.size()) + " shares");
    Vec<T> x = CVecMap<T>(shares.data(), D).array() * T(shape_.groupSize) - T(1);
    Vec<T> a(4 * H);
    for (int k = 0; k < shape_.layers; ++k) {
        const LayerParams& p = layers_[k];
        VecMap<T> h(state.h.data() + size_t(k) * H, H), c(state.c.data() + size_t(k) * H, H);
        a.noalias() = CMatMap<T>(params_.data() + p.w, 4 * H, p.in) * x;
        a.noalias() += CMatMap<T>(params_.data() + p.u, 4 * H, H) * h;
        a += CVecMap<T>(params_.data() + p.b, 4 * H);
        activateGates(a, H);
        c = a.head(H).cwiseProduct(a.segment(2 * H, H)) + a.segment(H, H).cwiseProduct(c);
        h = a.tail(H).cwiseProduct(Vec<T>(c.array().tanh()));
        x = h;
    }
}

template <typename T>
void LstmNetwork<T>::predict(const State& state, std::span<T> shares) const {
    const int H = shape_.hidden, D = shape_.inputs();
    if (shares.size() != static_cast<size_t>(D) || !fits(state))
        throw Error("LSTM prediction needs room for " + std::to_string(D) +
                    " shares and a state of this network");
    Mat<T> z = CMatMap<T>(params_.data() + headW_, D, H) *
                   CVecMap<T>(state.h.data() + size_t(shape_.layers - 1) * H, H) +
               CVecMap<T>(params_.data() + headB_, D);
    groupSoftmax(z, shape_.groups, shape_.groupSize);
    VecMap<T>(shares.data(), D) = z.col(0);
}

template class LstmNetwork<float>;
template class LstmNetwork<double>;

}  // namespace moe
