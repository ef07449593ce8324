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
#include "core/engine/placement_broadcast.h"
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
    bool placementChanged = false;          // on rank 0 of a distributed engine: broadcast it
    Communicator* comm = nullptr;           // distributed: this process's rank
    std::unique_ptr<InProcessGroup> group;  // in-process: all G ranks
    std::vector<std::unique_ptr<Backend>> backends;            // one per local rank
    std::vector<std::unique_ptr<ExpertParallelLayer>> layers;  // one per local rank
    std::unique_ptr<RankRunner> runner;
    std::vector<std::vector<float>> x, y;  // per local rank activations
    int threadsPerRank = 1;
    std::function<void(const Step&)> stepObserver;  // optional, see setStepObserver

    Impl(const EngineConfig& c, const WorkloadShape& s) : config(c), shape(s) {}
    int globalRank(int local) const { return comm ? comm->rank() : local; }
    void runRank(int local, const Step& step, StepTelemetry& out, BusyClock clock);
    void gatherRankStats(StepTelemetry& out);
};

MoeEngine::MoeEngine(const EngineConfig& config, const WorkloadShape& shape) {
    if (shape.layers <= 0 || shape.experts <= 0 || shape.topK <= 0)
        throw Error("the workload has no MoE layers to run");
    EngineConfig c = config;
    c.layer.experts = shape.experts;
    c.layer.topK = shape.topK;
    c.layer.validate();
    if (c.communicator) c.ranks = c.communicator->size();
    if (c.ranks <= 0) throw Error("--ranks must be positive, got " + std::to_string(c.ranks));
    impl_ = std::make_unique<Impl>(c, shape);
    auto& m = *impl_;
    m.comm = c.communicator;
    const int localRanks = m.comm ? 1 : c.ranks;
    const int hw = std::max(1u, std::thread::hardware_concurrency());
    const int threads = c.threads > 0 ? c.threads : hw;
    m.threadsPerRank = std::max(1, threads / localRanks);
    m.weights = std::make_unique<ModelWeights>(c.layer, shape.layers, c.seed, c.shareWeights);
    m.placement = Placement::contiguous(shape.layers, shape.experts, c.ranks);
    for (const auto& spec : c.replicas) addReplicaSpec(m.placement, spec);
    if (!m.comm) m.group = std::make_unique<InProcessGroup>(c.ranks);
    for (int r = 0; r < localRanks; ++r) {
        const int rank = m.comm ? m.comm->rank() : r;
        m.backends.push_back(c.makeBackend ? c.makeBackend(rank) : std::make_unique<CpuBackend>());
        Communicator& comm = m.comm ? *m.comm : m.group->rank(r);
        m.layers.push_back(std::make_unique<ExpertParallelLayer>(comm, *m.backends[r]));
    }
    m.x.resize(localRanks);
    m.y.resize(localRanks);
    // Distributed too: the rank computes on a thread of its own, so the compute-thread setting
    // and the thread CPU clock are the rank's alone, as with in-process ranks.
    m.runner = std::make_unique<RankRunner>(localRanks, m.threadsPerRank);
}

MoeEngine::~MoeEngine() = default;

const Placement& MoeEngine::placement() const { return impl_->placement; }
const MoeLayerConfig& MoeEngine::layerConfig() const { return impl_->config.layer; }
bool MoeEngine::forcedRouting() const { return impl_->config.forcedRouting; }
void MoeEngine::setStepObserver(std::function<void(const Step&)> observer) {
    impl_->stepObserver = std::move(observer);
}
int MoeEngine::threadsPerRank() const { return impl_->threadsPerRank; }
int MoeEngine::ranks() const { return impl_->config.ranks; }
bool MoeEngine::distributed() const { return impl_->comm != nullptr; }
double MoeEngine::collectiveWaitCpuSeconds() const {
    return impl_->group ? impl_->group->waitedCpuSeconds() : 0.0;
}

void MoeEngine::setPlacement(const Placement& p) {
    if (p.layers() != impl_->shape.layers || p.experts() != impl_->shape.experts ||
        p.ranks() != impl_->config.ranks)
        throw Error("placement shape does not match the engine");
    if (impl_->comm && impl_->comm->rank() != 0)
        throw Error("with one rank per process only rank 0 sets the placement");
    p.validate();
    impl_->placement = p;
    impl_->placementChanged = true;
}

std::string MoeEngine::describe() const {
    const auto& c = impl_->config;
    const std::string ranks = impl_->comm ? std::to_string(c.ranks) + " " + impl_->comm->kind() +
                                                " ranks (one per process) x " +
                                                std::to_string(impl_->threadsPerRank) + " threads"
                                          : std::to_string(c.ranks) + " in-process ranks x " +
                                                std::to_string(impl_->threadsPerRank) + " threads";
    return impl_->backends[0]->name() + ", " + ranks + ", H=" + std::to_string(c.layer.hidden) +
           " F=" + std::to_string(c.layer.ffn) + " E=" + std::to_string(c.layer.experts) +
           " k=" + std::to_string(c.layer.topK) +
           (c.forcedRouting ? ", forced routing" : ", own gate");
}

// One rank's share of the step: its tokens through every layer. `local` indexes this
// process's ranks; the token slice and the telemetry slots follow the global rank.
void MoeEngine::Impl::runRank(int local, const Step& step, StepTelemetry& out, BusyClock clock) {
    const int L = shape.layers, G = config.ranks, T = step.tokens, k = shape.topK;
    const int H = config.layer.hidden, r = globalRank(local);
    const int first = static_cast<int>(static_cast<int64_t>(T) * r / G);
    const int count = static_cast<int>(static_cast<int64_t>(T) * (r + 1) / G) - first;
    auto& xr = x[local];
    auto& yr = y[local];
    xr.resize(static_cast<size_t>(count) * H);
    yr.resize(static_cast<size_t>(count) * H);
    fillActivations(config.seed, step.index, first, count, H, xr.data());
    std::vector<int64_t> counts;
    for (int l = 0; l < L; ++l) {
        LayerInputs in{&config.layer, &weights->layer(l), &placement, l, xr.data(), count, nullptr,
                       clock};
        if (config.forcedRouting)
            in.forcedIds = step.layerExperts(l, k).data() + static_cast<size_t>(first) * k;
        RankLayerStats stats;
        int64_t dropped = 0;
        layers[local]->forward(in, {yr.data(), &counts, &dropped, &stats});
        out.rankRows[static_cast<size_t>(l) * G + r] = stats.rowsProcessed;
        out.rankBusySeconds[static_cast<size_t>(l) * G + r] = stats.busySeconds;
        if (local == 0) {  // every rank has the global counts; one writes them
            for (int e = 0; e < shape.experts; ++e) out.loads.at(l, e) = counts[e];
            out.dropped[l] = dropped;
        }
        if (config.layerOutputHook) config.layerOutputHook(r, l, first, yr);
        residualRmsNorm(xr.data(), yr.data(), count, H);
    }
}

// Distributed: each process filled only its own rank's rows and busy time; all-gather them
// so every process holds the whole step's telemetry (rank 0 records it).
void MoeEngine::Impl::gatherRankStats(StepTelemetry& out) {
    const int L = shape.layers, G = config.ranks, me = comm->rank();
    std::vector<double> mine(2 * static_cast<size_t>(L)), all(mine.size() * G);
    for (int l = 0; l < L; ++l) {
        mine[l] = static_cast<double>(out.rankRowsAt(l, me));  // exact below 2^53 rows
        mine[L + l] = out.busyAt(l, me);
    }
    comm->allGather(mine.data(), mine.size() * sizeof(double), all.data());
    for (int s = 0; s < G; ++s)
        for (int l = 0; l < L; ++l) {
            const double* row = all.data() + static_cast<size_t>(s) * 2 * L;
            out.rankRows[static_cast<size_t>(l) * G + s] = static_cast<int64_t>(row[l]);
            out.rankBusySeconds[static_cast<size_t>(l) * G + s] = row[L + l];
        }
}

void MoeEngine::runStep(const Step& step, StepTelemetry& out) {
    auto& m = *impl_;
    const int L = m.shape.layers, G = m.config.ranks, T = step.tokens, k = m.shape.topK;
    if (m.config.forcedRouting && step.experts.size() < static_cast<size_t>(L) * T * k)
        throw Error("step " + std::to_string(step.index) + " carries too few expert ids");
    // Validate forced ids here, on the calling thread: a rank that threw mid-collective
    // would leave its peers waiting at a barrier. (Distributed, every process holds the same
    // step, so every process throws the same error before any collective.)
    if (m.config.forcedRouting)
        for (size_t i = 0, n = static_cast<size_t>(L) * T * k; i < n; ++i)
            if (static_cast<uint32_t>(step.experts[i]) >= static_cast<uint32_t>(m.shape.experts))
                throw Error("step " + std::to_string(step.index) + ": expert id " +
                            std::to_string(step.experts[i]) + " out of range 0.." +
                            std::to_string(m.shape.experts - 1));
    if (m.stepObserver) m.stepObserver(step);
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

    if (m.comm) {
        // Every process must agree on the placement before routing: rank 0 says whether it
        // changed (one small broadcast per step) and, if so, sends it.
        int64_t changed = m.comm->rank() == 0 && m.placementChanged ? 1 : 0;
        m.comm->broadcast(&changed, sizeof changed, 0);
        if (changed) broadcastPlacement(*m.comm, m.placement, 0);
        m.placementChanged = false;
    } else if (m.group->aborted()) {
        m.group->reset();  // a failed step broke the collectives: re-arm
    }
    const auto t0 = std::chrono::steady_clock::now();
    m.runner->run([&](int local) {
        try {
            m.runRank(local, step, out, clock);
            if (m.comm) m.gatherRankStats(out);
        } catch (...) {
            // The layers break the collectives on their own errors; this covers the rest
            // (a layer output hook), so no peer waits for this rank at its next collective.
            if (m.comm)
                m.comm->abort();
            else
                m.group->abort();
            throw;
        }
    });
    out.wallSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace moe
