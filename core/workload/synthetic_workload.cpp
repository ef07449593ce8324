// Sampling k distinct experts per token, proportional to weights, draw after draw. Draws use
// rejection of repeats against one cumulative table per layer and step (cheap, and exact: a
// rejected draw is simply redrawn from the same distribution), falling back to an explicit scan
// when the hottest experts are so heavy that repeats keep coming.
#include "core/workload/synthetic_workload.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/common/error.h"
#include "core/common/resource_limits.h"
#include "core/workload/zipf_skew.h"

namespace moe {

namespace {

void require(bool ok, const std::string& key, const std::string& problem) {
    if (!ok) throw Error("synthetic workload: " + key + " " + problem);
}

void validate(const SyntheticParams& p) {
    const auto fromOneTo = [](int64_t v, int64_t most) {
        return "must be from 1 to " + std::to_string(most) + ", got " + std::to_string(v);
    };
    require(p.layers >= 1 && p.layers <= limits::kLayers, "layers",
            fromOneTo(p.layers, limits::kLayers));
    require(p.experts >= 1 && p.experts <= limits::kExperts, "experts",
            fromOneTo(p.experts, limits::kExperts));
    require(p.topK >= 1 && p.topK <= p.experts, "top_k",
            "must be between 1 and experts (" + std::to_string(p.experts) + "), got " +
                std::to_string(p.topK));
    require(p.tokensPerStep >= 1 && p.tokensPerStep <= limits::kTokensPerStep, "tokens",
            fromOneTo(p.tokensPerStep, limits::kTokensPerStep));
    require(p.steps >= 0, "steps", "must be 0 (unlimited) or more");
    require(std::isfinite(p.drift) && p.drift >= 0 && p.drift <= 1e6, "drift",
            "must be a number of swaps per step, 0 or more");
    require(p.burstProb >= 0 && p.burstProb <= 1, "burst_prob", "must be between 0 and 1");
    require(std::isfinite(p.burstFactor) && p.burstFactor > 0, "burst_factor",
            "must be greater than 0");
    require(p.burstLength >= 1, "burst_len", "must be at least 1 step");
    require(p.hiddenDim >= 0 && p.hiddenDim <= 65536, "hidden", "must be 0 (none) to 65536");
    // The tables below are layers x experts (x hidden): bounded so that a typo in a spec is a
    // message, not a multi-gigabyte allocation.
    const int64_t cells = int64_t{p.layers} * p.experts;
    require(cells <= limits::kSyntheticCells, "layers x experts",
            "must be at most " + std::to_string(limits::kSyntheticCells) + ", got " +
                std::to_string(cells));
    const int64_t hiddenCells = cells * std::max(p.hiddenDim, 1);
    require(hiddenCells <= limits::kSyntheticHiddenCells, "layers x experts x hidden",
            "must be at most " + std::to_string(limits::kSyntheticHiddenCells) + ", got " +
                std::to_string(hiddenCells));
    require(std::isfinite(p.hiddenNoise) && p.hiddenNoise >= 0, "hidden_noise",
            "must be 0 or more");
    const double most = maxSkewness(p.experts, p.topK);
    std::ostringstream range;
    range << "must be between 1 (uniform) and experts/top_k = " << most << ", got " << p.skew;
    require(std::isfinite(p.skew) && p.skew >= 1 && p.skew <= most, "skew", range.str());
}

}  // namespace

SyntheticWorkload::SyntheticWorkload(const SyntheticParams& params) : params_(params) {
    validate(params_);
    shape_.layers = params_.layers;
    shape_.experts = params_.experts;
    shape_.topK = params_.topK;
    exponent_ = zipfExponentForSkew(params_.experts, params_.topK, params_.skew);
    rankWeight_ = zipfWeights(params_.experts, exponent_);
    rng_.seed(params_.seed);
    const int e = params_.experts;
    rankExpert_.resize(static_cast<size_t>(params_.layers) * e);
    expertRank_.resize(rankExpert_.size());
    for (int l = 0; l < params_.layers; ++l) {
        int* order = rankExpert_.data() + static_cast<size_t>(l) * e;
        for (int r = 0; r < e; ++r) order[r] = r;
        // Own Fisher-Yates: std::shuffle's use of the engine differs between standard libraries.
        for (int r = e - 1; r > 0; --r) std::swap(order[r], order[uniformInt(r + 1)]);
        for (int r = 0; r < e; ++r) expertRank_[static_cast<size_t>(l) * e + order[r]] = r;
    }
    if (params_.hiddenDim > 0) {
        shape_.hiddenDim = params_.hiddenDim;
        // Signatures come from their own stream so adding hidden states leaves routing as is.
        std::mt19937_64 saved = rng_;
        rng_.seed(params_.seed ^ 0x5bd1e995ULL);
        const size_t D = params_.hiddenDim;
        signatures_.resize(static_cast<size_t>(params_.layers) * e * D);
        for (size_t row = 0; row < signatures_.size() / D; ++row) {
            double norm = 0;
            for (size_t d = 0; d < D; ++d)
                norm += std::pow(signatures_[row * D + d] = static_cast<float>(gaussian()), 2);
            for (size_t d = 0; d < D; ++d)
                signatures_[row * D + d] /= static_cast<float>(std::sqrt(norm));
        }
        hiddenRng_ = rng_;
        rng_ = saved;
    }
}

// Box-Muller on the generator's own uniform draws (portable across standard libraries).
double SyntheticWorkload::gaussian() {
    const double u1 = std::max(uniform(), 1e-300), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

void SyntheticWorkload::fillHidden() {
    const int L = params_.layers, T = params_.tokensPerStep, k = params_.topK, E = params_.experts;
    const size_t D = params_.hiddenDim;
    hidden_.assign(static_cast<size_t>(L) * T * D, 0.0f);
    std::swap(rng_, hiddenRng_);  // noise from the hidden stream: routing stays reproducible
    for (int l = 0; l < L; ++l)
        for (int t = 0; t < T; ++t) {
            float* h = hidden_.data() + (static_cast<size_t>(l) * T + t) * D;
            const int32_t* ids = experts_.data() + (static_cast<size_t>(l) * T + t) * k;
            for (int j = 0; j < k; ++j) {
                const float w = std::max(0.2f, 1.0f - 0.2f * static_cast<float>(j));
                const float* sig = signatures_.data() + (static_cast<size_t>(l) * E + ids[j]) * D;
                for (size_t d = 0; d < D; ++d) h[d] += w * sig[d];
            }
            if (params_.hiddenNoise > 0)
                for (size_t d = 0; d < D; ++d)
                    h[d] += static_cast<float>(params_.hiddenNoise * gaussian() /
                                               std::sqrt(static_cast<double>(D)));
        }
    std::swap(rng_, hiddenRng_);
}

double SyntheticWorkload::expectedSkewness() const {
    return moe::expectedSkewness(rankWeight_, params_.topK);
}

std::string SyntheticWorkload::describe() const {
    std::ostringstream s;
    s << "synthetic:layers=" << params_.layers << ",experts=" << params_.experts
      << ",top_k=" << params_.topK << ",tokens=" << params_.tokensPerStep
      << ",steps=" << params_.steps << ",skew=" << params_.skew << ",drift=" << params_.drift
      << ",burst_prob=" << params_.burstProb << ",burst_factor=" << params_.burstFactor
      << ",burst_len=" << params_.burstLength;
    if (params_.hiddenDim > 0)
        s << ",hidden=" << params_.hiddenDim << ",hidden_noise=" << params_.hiddenNoise;
    s << ",seed=" << params_.seed;
    return s.str();
}

// 53 random bits -> [0, 1); defined here rather than by std::uniform_real_distribution so
// that a seed gives the same workload with every standard library.
double SyntheticWorkload::uniform() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }

int SyntheticWorkload::uniformInt(int n) {
    return static_cast<int>(((rng_() >> 32) * static_cast<uint64_t>(n)) >> 32);
}

// Between steps: hot experts wander (adjacent popularity ranks swap) and bursts start or end.
void SyntheticWorkload::evolve() {
    const int e = params_.experts;
    if (stepIndex_ > 0 && params_.drift > 0 && e > 1) {
        const double whole = std::floor(params_.drift);
        for (int l = 0; l < params_.layers; ++l) {
            int swaps = static_cast<int>(whole) + (uniform() < params_.drift - whole ? 1 : 0);
            int* order = rankExpert_.data() + static_cast<size_t>(l) * e;
            int* rank = expertRank_.data() + static_cast<size_t>(l) * e;
            for (; swaps > 0; --swaps) {
                const int r = uniformInt(e - 1);
                std::swap(order[r], order[r + 1]);
                rank[order[r]] = r;
                rank[order[r + 1]] = r + 1;
            }
        }
    }
    for (Burst& b : bursts_) --b.stepsLeft;
    std::erase_if(bursts_, [](const Burst& b) { return b.stepsLeft <= 0; });
    if (params_.burstProb > 0)
        for (int l = 0; l < params_.layers; ++l)
            if (uniform() < params_.burstProb)
                bursts_.push_back({l, uniformInt(e), params_.burstLength});
}

void SyntheticWorkload::layerWeights(int layer, std::vector<double>& cdf) {
    const int e = params_.experts;
    weights_.resize(static_cast<size_t>(e));
    const int* rank = expertRank_.data() + static_cast<size_t>(layer) * e;
    for (int x = 0; x < e; ++x) weights_[x] = rankWeight_[static_cast<size_t>(rank[x])];
    for (const Burst& b : bursts_)
        if (b.layer == layer) weights_[static_cast<size_t>(b.expert)] *= params_.burstFactor;
    cdf.resize(static_cast<size_t>(e));
    double sum = 0;
    for (int x = 0; x < e; ++x) cdf[x] = sum += weights_[x];
}

void SyntheticWorkload::drawLayer(int layer, int32_t* out) {
    layerWeights(layer, cdf_);
    const int e = params_.experts;
    const int k = params_.topK;
    const double total = cdf_.back();
    for (int t = 0; t < params_.tokensPerStep; ++t, out += k) {
        for (int j = 0; j < k; ++j) {
            int pick = -1;
            for (int attempt = 0; attempt < 16 && pick < 0; ++attempt) {
                const double u = uniform() * total;
                int x =
                    static_cast<int>(std::upper_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin());
                x = std::min(x, e - 1);
                if (std::find(out, out + j, x) == out + j) pick = x;
            }
            if (pick < 0) {       // exact draw among the experts not yet taken
                double rest = 0;  // summed afresh: total minus taken would cancel badly here
                for (int x = 0; x < e; ++x)
                    if (std::find(out, out + j, x) == out + j) rest += weights_[x];
                double u = uniform() * rest;
                for (int x = 0; x < e; ++x) {
                    if (std::find(out, out + j, x) != out + j) continue;
                    pick = x;
                    if ((u -= weights_[x]) < 0) break;
                }
            }
            out[j] = pick;
        }
    }
}

bool SyntheticWorkload::next(Step& step) {
    if (params_.steps > 0 && stepIndex_ >= params_.steps) return false;
    evolve();
    const size_t perLayer = static_cast<size_t>(params_.tokensPerStep) * params_.topK;
    experts_.resize(perLayer * params_.layers);
    for (int l = 0; l < params_.layers; ++l) drawLayer(l, experts_.data() + perLayer * l);
    step = Step{};
    step.index = stepIndex_++;
    step.tokens = params_.tokensPerStep;
    step.experts = experts_;
    if (params_.hiddenDim > 0) {
        fillHidden();
        step.hidden = hidden_;
    }
    return true;
}

}  // namespace moe
