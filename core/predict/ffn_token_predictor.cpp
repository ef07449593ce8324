// See ffn_token_predictor.h. Forward and backward written out with Eigen over row-major
// batches; Adam with bias correction. Targets put 1/k on each of the router's k experts.
#include "core/predict/ffn_token_predictor.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <random>

#include "core/common/error.h"

namespace moe {
namespace {
// Named apart from lstm_network.cpp's templates: unity builds put both in one file.
using FfnMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using FfnRow = Eigen::Matrix<float, 1, Eigen::Dynamic>;

struct AdamParam {
    FfnMat w, m, v;
    void init(int rows, int cols, float scale, std::mt19937_64& rng) {
        std::normal_distribution<float> n(0.0f, scale);
        w.resize(rows, cols);
        for (int i = 0; i < w.size(); ++i) w.data()[i] = n(rng);
        m = FfnMat::Zero(rows, cols);
        v = FfnMat::Zero(rows, cols);
    }
    void step(const FfnMat& g, float lr, int t) {
        const float b1 = 0.9f, b2 = 0.999f;
        m = b1 * m + (1 - b1) * g;
        v = b2 * v + (1 - b2) * g.cwiseProduct(g);
        const float c1 = 1 - std::pow(b1, static_cast<float>(t)),
                    c2 = 1 - std::pow(b2, static_cast<float>(t));
        w.array() -= lr * (m.array() / c1) / ((v.array() / c2).sqrt() + 1e-8f);
    }
};
}  // namespace

struct FfnTokenPredictor::Net {
    AdamParam w1, b1, w2, b2, w3, b3, skip;  // skip: D x E straight to the logits (or empty)
    int updates = 0;
    FfnMat h1, h2, logits;

    Net(int D, int H1, int H2, int E, uint64_t seed, bool linearSkip) {
        std::mt19937_64 rng(seed);
        if (linearSkip) skip.init(D, E, 0, rng);
        w1.init(D, H1, std::sqrt(2.0f / D), rng);
        w2.init(H1, H2, std::sqrt(2.0f / H1), rng);
        w3.init(H2, E, std::sqrt(1.0f / H2), rng);
        b1.init(1, H1, 0, rng);
        b2.init(1, H2, 0, rng);
        b3.init(1, E, 0, rng);
    }
    void forward(const Eigen::Map<const FfnMat>& x) {
        h1 = ((x * w1.w).rowwise() + FfnRow(b1.w)).cwiseMax(0.0f);
        h2 = ((h1 * w2.w).rowwise() + FfnRow(b2.w)).cwiseMax(0.0f);
        logits = (h2 * w3.w).rowwise() + FfnRow(b3.w);
        if (skip.w.size()) logits += x * skip.w;
    }
    // One Adam update on rows x with target distributions y; returns the mean cross-entropy.
    double train(const Eigen::Map<const FfnMat>& x, const FfnMat& y, float lr) {
        forward(x);
        const float n = static_cast<float>(x.rows());
        FfnMat p = logits;
        double loss = 0;
        for (int r = 0; r < p.rows(); ++r) {
            const float mx = p.row(r).maxCoeff();
            p.row(r) = (p.row(r).array() - mx).exp();
            const float sum = p.row(r).sum();
            p.row(r) /= sum;
            for (int e = 0; e < p.cols(); ++e)
                if (y(r, e) > 0) loss -= y(r, e) * std::log(std::max(p(r, e), 1e-12f));
        }
        const FfnMat dz = (p - y) / n;
        const FfnMat dh2 =
            (dz * w3.w.transpose()).cwiseProduct((h2.array() > 0).cast<float>().matrix());
        const FfnMat dh1 =
            (dh2 * w2.w.transpose()).cwiseProduct((h1.array() > 0).cast<float>().matrix());
        ++updates;
        if (skip.w.size()) skip.step(x.transpose() * dz, lr, updates);
        w3.step(h2.transpose() * dz, lr, updates);
        b3.step(dz.colwise().sum(), lr, updates);
        w2.step(h1.transpose() * dh2, lr, updates);
        b2.step(dh2.colwise().sum(), lr, updates);
        w1.step(x.transpose() * dh1, lr, updates);
        b1.step(dh1.colwise().sum(), lr, updates);
        return loss / n;
    }
};

void FfnTokenOptions::validate() const {
    auto need = [](bool ok, const std::string& what) {
        if (!ok) throw Error("t2e_ffn: " + what);
    };
    // Bounded as the LSTM's hidden size is: the nets are built per layer at once, and
    // hidden1=400000000 in a spec asked for gigabytes of weights.
    need(hidden1 >= 1 && hidden2 >= 1 && hidden1 <= 4096 && hidden2 <= 4096,
         "hidden sizes must be in 1..4096, got " + std::to_string(hidden1) + " and " +
             std::to_string(hidden2));
    need(learningRate > 0 && learningRate < 1, "lr must be in (0, 1)");
    need(batch >= 1, "batch must be >= 1");
    need(epochsPerStep >= 1, "epochs must be >= 1");
    need(replay >= 0 && replay <= 16, "replay must be 0 to 16 steps");
    need(inputLag == 0 || inputLag == 1, "the input lag must be 0 or 1 layers");
    need(!routingFeatures || inputLag == 1, "routing features need an input lag of 1");
}

FfnTokenPredictor::FfnTokenPredictor(const FfnTokenOptions& options, const WorkloadShape& shape)
    : options_(options), shape_(shape) {
    options_.validate();
    checkShape(shape);
    for (int l = 0; l < shape.layers; ++l)
        nets_.push_back(std::make_unique<Net>(
            inputWidth(), options.hidden1, options.hidden2, shape.experts,
            options.seed * 1000003ULL + static_cast<uint64_t>(l), options.linearSkip));
    seen_.resize(static_cast<size_t>(shape.layers));
}

FfnTokenPredictor::~FfnTokenPredictor() = default;

std::string FfnTokenPredictor::parameters() const {
    return "hidden1=" + std::to_string(options_.hidden1) +
           ",hidden2=" + std::to_string(options_.hidden2) +
           ",lr=" + std::to_string(options_.learningRate) +
           ",batch=" + std::to_string(options_.batch) +
           ",epochs=" + std::to_string(options_.epochsPerStep) +
           (options_.routingFeatures ? ",routing=1" : "") + (options_.hardLoad ? ",hard=1" : "") +
           (options_.linearSkip ? ",linear=1" : "") +
           (options_.replay ? ",replay=" + std::to_string(options_.replay) : "");
}

void FfnTokenPredictor::checkShape(const WorkloadShape& shape) const {
    if (shape.hiddenDim <= 0)
        throw Error(
            "t2e_ffn needs the router's input hidden states, and this workload has none "
            "(a routing trace carries expert ids only; use the live training workload or "
            "synthetic:...,hidden=D)");
}

FfnTokenPredictor::Net& FfnTokenPredictor::forwardLayer(const Step& step, int layer) {
    if (layer < options_.inputLag)
        throw Error("t2e_ffn: layer " + std::to_string(layer) + " has no earlier router input");
    Net& net = *nets_[layer];
    net.forward(Eigen::Map<const FfnMat>(inputRows(step, layer, 0, step.tokens), step.tokens,
                                         inputWidth()));
    return net;
}

int FfnTokenPredictor::inputWidth() const {
    return shape_.hiddenDim + (options_.routingFeatures ? shape_.experts : 0);
}

const float* FfnTokenPredictor::inputRows(const Step& step, int layer, int begin, int n) {
    const int T = step.tokens, D = shape_.hiddenDim, W = inputWidth();
    const size_t source = static_cast<size_t>(layer - options_.inputLag);
    const float* hidden = step.hidden.data() + (source * T + begin) * D;
    if (!options_.routingFeatures) return hidden;
    const int k = shape_.topK;
    const auto before = step.layerExperts(static_cast<int>(source), k);
    input_.assign(static_cast<size_t>(n) * W, 0.0f);
    for (int t = 0; t < n; ++t) {
        float* row = input_.data() + static_cast<size_t>(t) * W;
        std::copy(hidden + static_cast<size_t>(t) * D, hidden + static_cast<size_t>(t + 1) * D,
                  row);
        for (int j = 0; j < k; ++j) row[D + before[static_cast<size_t>(begin + t) * k + j]] = 1;
    }
    return input_.data();
}

void FfnTokenPredictor::predict(const Step& step, int layer, int32_t* ids) {
    const int T = step.tokens, k = shape_.topK, E = shape_.experts;
    const Net& net = forwardLayer(step, layer);
    for (int t = 0; t < T; ++t) {
        const float* z = net.logits.data() + static_cast<size_t>(t) * E;
        int32_t* out = ids + static_cast<size_t>(t) * k;
        for (int j = 0; j < k; ++j) {
            int best = -1;
            for (int e = 0; e < E; ++e) {
                if (std::find(out, out + j, e) != out + j) continue;
                if (best < 0 || z[e] > z[best]) best = e;
            }
            out[j] = best;
        }
    }
}

void FfnTokenPredictor::predictLoad(const Step& step, int layer, const WorkloadShape&,
                                    double* load) {
    const int T = step.tokens, k = shape_.topK, E = shape_.experts;
    const Net& net = forwardLayer(step, layer);
    p_.resize(static_cast<size_t>(E));
    std::fill(load, load + E, 0.0);
    if (options_.hardLoad) {
        std::vector<int32_t> ids(static_cast<size_t>(T) * k);
        predict(step, layer, ids.data());
        for (int32_t e : ids) load[e] += 1;
        return;
    }
    for (int t = 0; t < T; ++t) {
        const float* z = net.logits.data() + static_cast<size_t>(t) * E;
        const float mx = *std::max_element(z, z + E);
        double sum = 0;
        for (int e = 0; e < E; ++e) sum += (p_[e] = std::exp(static_cast<double>(z[e] - mx)));
        for (int e = 0; e < E; ++e) load[e] += k * p_[e] / sum;
    }
}

double FfnTokenPredictor::trainOn(int layer, const float* inputs, std::span<const int32_t> truth,
                                  int tokens, float lr, int& batches) {
    const int k = shape_.topK, E = shape_.experts, W = inputWidth();
    double loss = 0;
    for (int begin = 0; begin < tokens; begin += options_.batch) {
        const int n = std::min(options_.batch, tokens - begin);
        FfnMat y = FfnMat::Zero(n, E);
        for (int t = 0; t < n; ++t)
            for (int j = 0; j < k; ++j)
                y(t, truth[static_cast<size_t>(begin + t) * k + j]) = 1.0f / k;
        loss += nets_[layer]->train(
            Eigen::Map<const FfnMat>(inputs + static_cast<size_t>(begin) * W, n, W), y, lr);
        ++batches;
    }
    return loss;
}

// Each epoch: the kept steps, oldest first, then this one; this one is copied only when replay
// keeps it for later.
void FfnTokenPredictor::observe(const Step& step) {
    const int T = step.tokens, k = shape_.topK;
    const float lr = static_cast<float>(options_.learningRate);
    double loss = 0;
    int batches = 0;
    for (int l = options_.inputLag; l < shape_.layers; ++l) {
        const float* rows = inputRows(step, l, 0, T);
        const auto truth = step.layerExperts(l, k);
        auto& kept = seen_[static_cast<size_t>(l)];
        for (int epoch = 0; epoch < options_.epochsPerStep; ++epoch) {
            for (const Seen& s : kept)
                loss += trainOn(l, s.inputs.data(), s.truth, s.tokens, lr, batches);
            loss += trainOn(l, rows, truth, T, lr, batches);
        }
        if (options_.replay == 0) continue;
        if (static_cast<int>(kept.size()) == options_.replay) kept.erase(kept.begin());
        kept.push_back({{rows, rows + static_cast<size_t>(T) * inputWidth()},
                        {truth.begin(), truth.end()},
                        T});
    }
    lastLoss_ = batches ? loss / batches : 0;
}

}  // namespace moe
