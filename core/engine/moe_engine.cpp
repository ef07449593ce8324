// The step loop body: each rank generates its tokens' input activations (seeded by step and
// token, so results do not depend on the rank count), then runs the layers one after another
// with a residual connection and RMS normalisation between them, as a transformer's MoE
// blocks would see their inputs.
#include "core/engine/moe_engine.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

#include "core/comm/inproc_group.h"
#include "core/comm/rank_runner.h"
#include "core/common/error.h"
#include "core/engine/expert_parallel_layer.h"
#include "core/model/cpu_backend.h"
#include "core/model/expert_weights.h"

namespace moe {
namespace {
uint64_t mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

// Token activations: uniform in [-sqrt3, sqrt3] (unit variance), a pure function of
// (seed, step, global token index) so every rank split sees the same inputs.
void fillActivations(uint64_t seed, int64_t step, int firstToken, int tokens, int H, float* x) {
    for (int t = 0; t < tokens; ++t) {
        uint64_t state = mix(seed ^ mix(static_cast<uint64_t>(step) * 0x9e3779b97f4a7c15ULL +
                                        static_cast<uint64_t>(firstToken + t)));
        for (int h = 0; h < H; ++h) {
            state += 0x9e3779b97f4a7c15ULL;
            const float u = static_cast<float>(mix(state) >> 40) * (1.0f / 16777216.0f);
            x[static_cast<size_t>(t) * H + h] = (2.0f * u - 1.0f) * 1.7320508f;
        }
    }
}

void residualRmsNorm(float* x, const float* y, int tokens, int H) {
    for (int t = 0; t < tokens; ++t) {
        float* row = x + static_cast<size_t>(t) * H;
        const float* add = y + static_cast<size_t>(t) * H;
        double ss = 0;
        for (int h = 0; h < H; ++h) {
            row[h] += add[h];
            ss += static_cast<double>(row[h]) * row[h];
        }
        const float inv = static_cast<float>(1.0 / std::sqrt(ss / H + 1e-6));
        for (int h = 0; h < H; ++h) row[h] *= inv;
    }
}
}  // namespace

size_t EngineConfig::weightBytes(int layers) const {
    const size_t perLayer = (3ull * layer.hidden * layer.ffn + static_cast<size_t>(layer.hidden)) *
                            layer.experts * sizeof(float);
    return perLayer * static_cast<size_t>(shareWeights ? 1 : layers);
}

struct MoeEngine::Impl {
    EngineConfig config;
    WorkloadShape shape;
    std::unique_ptr<ModelWeights> weights;
    Placement placement;
    InProcessGroup group;
    std::vector<std::unique_ptr<CpuBackend>> backends;
    std::vector<std::unique_ptr<ExpertParallelLayer>> layers;  // one per rank
    std::unique_ptr<RankRunner> runner;
    std::vector<std::vector<float>> x, y;  // per rank activations
    int threadsPerRank = 1;

    Impl(const EngineConfig& c, const WorkloadShape& s) : config(c), shape(s), group(c.ranks) {}
};

MoeEngine::MoeEngine(const EngineConfig& config, const WorkloadShape& shape) {
    if (shape.layers <= 0 || shape.experts <= 0 || shape.topK <= 0)
        throw Error("the workload has no MoE layers to run");
    EngineConfig c = config;
    c.layer.experts = shape.experts;
    c.layer.topK = shape.topK;
    c.layer.validate();
    if (c.ranks <= 0) throw Error("--ranks must be positive, got " + std::to_string(c.ranks));
    impl_ = std::make_unique<Impl>(c, shape);
    auto& m = *impl_;
    const int hw = std::max(1u, std::thread::hardware_concurrency());
    const int threads = c.threads > 0 ? c.threads : hw;
    m.threadsPerRank = std::max(1, threads / c.ranks);
    m.weights = std::make_unique<ModelWeights>(c.layer, shape.layers, c.seed, c.shareWeights);
    m.placement = Placement::contiguous(shape.layers, shape.experts, c.ranks);
    for (const auto& spec : c.replicas) addReplicaSpec(m.placement, spec);
    for (int r = 0; r < c.ranks; ++r) {
        m.backends.push_back(std::make_unique<CpuBackend>());
        m.layers.push_back(std::make_unique<ExpertParallelLayer>(m.group.rank(r), *m.backends[r]));
    }
    m.x.resize(c.ranks);
    m.y.resize(c.ranks);
    m.runner = std::make_unique<RankRunner>(c.ranks, m.threadsPerRank);
}

MoeEngine::~MoeEngine() = default;

const Placement& MoeEngine::placement() const { return impl_->placement; }
const MoeLayerConfig& MoeEngine::layerConfig() const { return impl_->config.layer; }
int MoeEngine::threadsPerRank() const { return impl_->threadsPerRank; }

void MoeEngine::setPlacement(const Placement& p) {
    if (p.layers() != impl_->shape.layers || p.experts() != impl_->shape.experts ||
        p.ranks() != impl_->config.ranks)
        throw Error("placement shape does not match the engine");
    p.validate();
    impl_->placement = p;
}

std::string MoeEngine::describe() const {
    const auto& c = impl_->config;
    return "cpu, " + std::to_string(c.ranks) + " in-process ranks x " +
           std::to_string(impl_->threadsPerRank) + " threads, H=" + std::to_string(c.layer.hidden) +
           " F=" + std::to_string(c.layer.ffn) + " E=" + std::to_string(c.layer.experts) +
           " k=" + std::to_string(c.layer.topK) +
           (c.forcedRouting ? ", forced routing" : ", own gate");
}

void MoeEngine::runStep(const Step& step, StepTelemetry& out) {
    auto& m = *impl_;
    const int L = m.shape.layers, G = m.config.ranks, T = step.tokens, k = m.shape.topK;
    const int H = m.config.layer.hidden;
    if (m.config.forcedRouting && step.experts.size() < static_cast<size_t>(L) * T * k)
        throw Error("step " + std::to_string(step.index) + " carries too few expert ids");
    // Validate forced ids here, on the calling thread: a rank that threw mid-collective
    // would leave its peers waiting at a barrier.
    if (m.config.forcedRouting)
        for (size_t i = 0, n = static_cast<size_t>(L) * T * k; i < n; ++i)
            if (static_cast<uint32_t>(step.experts[i]) >= static_cast<uint32_t>(m.shape.experts))
                throw Error("step " + std::to_string(step.index) + ": expert id " +
                            std::to_string(step.experts[i]) + " out of range 0.." +
                            std::to_string(m.shape.experts - 1));
    out.step = step.index;
    out.tokens = T;
    out.layers = L;
    out.ranks = G;
    if (out.loads.layers() != L || out.loads.experts() != m.shape.experts)
        out.loads = LoadMatrix(L, m.shape.experts);
    out.dropped.assign(L, 0);
    out.rankRows.assign(static_cast<size_t>(L) * G, 0);
    out.rankBusySeconds.assign(static_cast<size_t>(L) * G, 0);
    const BusyClock clock = m.threadsPerRank == 1 ? BusyClock::ThreadCpu : BusyClock::Wall;

    if (m.group.aborted()) m.group.reset();  // a failed step broke the collectives: re-arm
    const auto t0 = std::chrono::steady_clock::now();
    m.runner->run([&](int r) {
        const int first = static_cast<int>(static_cast<int64_t>(T) * r / G);
        const int count = static_cast<int>(static_cast<int64_t>(T) * (r + 1) / G) - first;
        auto& x = m.x[r];
        auto& y = m.y[r];
        x.resize(static_cast<size_t>(count) * H);
        y.resize(static_cast<size_t>(count) * H);
        fillActivations(m.config.seed, step.index, first, count, H, x.data());
        std::vector<int64_t> counts;
        for (int l = 0; l < L; ++l) {
            LayerInputs in{&m.config.layer, &m.weights->layer(l),
                           &m.placement,    l,
                           x.data(),        count,
                           nullptr,         clock};
            if (m.config.forcedRouting)
                in.forcedIds = step.layerExperts(l, k).data() + static_cast<size_t>(first) * k;
            RankLayerStats stats;
            int64_t dropped = 0;
            m.layers[r]->forward(in, {y.data(), &counts, &dropped, &stats});
            out.rankRows[static_cast<size_t>(l) * G + r] = stats.rowsProcessed;
            out.rankBusySeconds[static_cast<size_t>(l) * G + r] = stats.busySeconds;
            if (r == 0) {
                for (int e = 0; e < m.shape.experts; ++e) out.loads.at(l, e) = counts[e];
                out.dropped[l] = dropped;
            }
            residualRmsNorm(x.data(), y.data(), count, H);
        }
    });
    out.wallSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace moe
