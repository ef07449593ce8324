// The dispatch protocol, per rank and layer:
//   1. route local tokens (own gate or forced ids), count pairs per expert;
//   2. all-gather the counts: every rank then knows each pair's global index per expert,
//      which fixes capacity drops and the replica a pair goes to exactly as one rank would;
//   3. all-to-all the rows, taken straight from the activations and received straight into
//      their expert's place (what every rank receives from every other, expert by expert,
//      follows from the gathered counts: no separate exchange, no expert tags, no regrouping);
//   4. run local experts over the received rows;
//   5. all-to-all the results back along the reverse path and combine with router weights.
// The three collectives are the KeepingSend kind (one synchronisation each between threads).
// What each publishes stays unchanged until the rank's next collective has returned: the
// counts, send lists and receive lists are members written only before their own collective,
// and the activations change only after forward returns (after the results' collective).
#include "core/engine/expert_parallel_layer.h"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "core/model/moe_layer.h"
#include "core/model/permute.h"

namespace moe {
namespace {
double nowSeconds(BusyClock clock) {
    if (clock == BusyClock::ThreadCpu) {
        timespec ts{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
    }
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace

long long ExpertParallelLayer::route(const LayerInputs& in, const LayerOutputs& out) {
    const MoeLayerConfig& c = *in.config;
    const int E = c.experts, k = c.topK, G = comm_.size(), me = comm_.rank();
    const int pairs = in.tokens * k;
    ids_.resize(pairs);
    weights_.resize(pairs);
    backend_.gateTopK({in.config, in.x, in.tokens, in.weights->gate.data(), in.forcedIds,
                       ids_.data(), weights_.data()});

    // Local counts plus the local token count, gathered from all ranks.
    std::vector<int64_t>& local = localCounts_;
    local.assign(E + 1, 0);
    backend_.expertHistogram(ids_.data(), pairs, E, local.data());
    local[E] = in.tokens;
    allCounts_.resize(static_cast<size_t>(G) * (E + 1));
    comm_.allGatherKeepingSend(local.data(), local.size() * sizeof(int64_t), allCounts_.data());

    std::vector<int64_t> before(E, 0);
    std::vector<int64_t>& total = totals_;
    total.assign(E, 0);
    long long globalTokens = 0;
    for (int s = 0; s < G; ++s) {
        const int64_t* row = allCounts_.data() + static_cast<size_t>(s) * (E + 1);
        for (int e = 0; e < E; ++e) {
            if (s < me) before[e] += row[e];
            total[e] += row[e];
        }
        globalTokens += row[E];
    }
    const long long cap = c.capacity(globalTokens);
    int64_t dropped = 0;
    destOfPair_.resize(pairs);
    std::vector<int64_t> next = before;
    for (int p = 0; p < pairs; ++p) {
        const int e = ids_[p];
        const long long j = next[e]++;
        if (j >= cap) {
            destOfPair_[p] = -1;
            continue;
        }
        destOfPair_[p] =
            in.placement->rankForPair(in.layer, e, j, std::min<long long>(total[e], cap));
    }
    if (out.globalCounts) out.globalCounts->assign(total.begin(), total.end());
    for (int e = 0; e < E; ++e) dropped += std::max<int64_t>(0, total[e] - cap);
    if (out.droppedGlobal) *out.droppedGlobal = dropped;
    return cap;
}

// Rows this rank receives from rank s for expert e: the part of s's pairs
// [before_s[e], before_s[e] + count_s[e]) that lies under capacity and in the range
// [boundary(i), boundary(i + 1)) of the n kept pairs of each replica i it holds (see Placement).
void ExpertParallelLayer::countReceives(const LayerInputs& in, long long cap) {
    const int E = in.config->experts, G = comm_.size(), me = comm_.rank();
    recvCountBySourceExpert_.assign(static_cast<size_t>(G) * E, 0);
    const std::vector<int64_t>& total = totals_;  // route's sums over the ranks
    std::vector<int64_t> before(E, 0);
    for (int s = 0; s < G; ++s) {
        const int64_t* row = allCounts_.data() + static_cast<size_t>(s) * (E + 1);
        for (int e = 0; e < E; ++e) {
            const auto& reps = in.placement->replicas(in.layer, e);
            const long long n = std::min<long long>(total[e], cap);
            for (size_t i = 0; i < reps.size(); ++i) {
                if (reps[i] != me) continue;
                const long long lo =
                    std::max<long long>(before[e], in.placement->boundary(in.layer, e, i, n));
                const long long hi = std::min<long long>(
                    {before[e] + row[e], n, in.placement->boundary(in.layer, e, i + 1, n)});
                if (hi > lo)
                    recvCountBySourceExpert_[static_cast<size_t>(s) * E + e] +=
                        static_cast<int>(hi - lo);
            }
            before[e] += row[e];
        }
    }
}

// Where each received row goes: expert by expert, and within an expert by source rank and
// then in the source's order, which is the order the rows arrive in (see planSends).
void ExpertParallelLayer::placeReceives(int experts) {
    const int E = experts, G = comm_.size();
    expertOffsets_.assign(E + 1, 0);
    for (int s = 0; s < G; ++s)
        for (int e = 0; e < E; ++e)
            expertOffsets_[e + 1] += recvCountBySourceExpert_[static_cast<size_t>(s) * E + e];
    for (int e = 0; e < E; ++e) expertOffsets_[e + 1] += expertOffsets_[e];
    std::vector<int32_t> cursor(expertOffsets_.begin(), expertOffsets_.end() - 1);
    recvIndex_.resize(expertOffsets_[E]);
    recvStart_.resize(G + 1);
    size_t i = 0;
    for (int s = 0; s < G; ++s) {
        recvStart_[s] = i;
        for (int e = 0; e < E; ++e)
            for (int n = recvCountBySourceExpert_[static_cast<size_t>(s) * E + e]; n > 0; --n)
                recvIndex_[i++] = cursor[e]++;
    }
    recvStart_[G] = i;
}

// Rows leave grouped by destination and, within one, by expert (pair order within an expert):
// the order the receiver expects, so it can put every row straight where its expert's are.
void ExpertParallelLayer::planSends(const LayerInputs& in) {
    const int E = in.config->experts, k = in.config->topK, G = comm_.size();
    const int pairs = in.tokens * k;
    sendKey_.resize(pairs);
    for (int p = 0; p < pairs; ++p)
        sendKey_[p] = destOfPair_[p] < 0 ? -1 : destOfPair_[p] * E + ids_[p];
    ExpertGrouping g = groupByExpert(sendKey_.data(), pairs, G * E);
    sendPair_ = std::move(g.order);
    sendStart_.resize(G + 1);
    for (int d = 0; d <= G; ++d) sendStart_[d] = static_cast<size_t>(g.offsets[d * E]);
    sendToken_.resize(sendPair_.size());
    for (size_t i = 0; i < sendPair_.size(); ++i) sendToken_[i] = sendPair_[i] / k;
}

void ExpertParallelLayer::computeExperts(const LayerInputs& in, RankLayerStats& stats) {
    const int H = in.config->hidden, E = in.config->experts;
    const double t0 = nowSeconds(in.clock);
    backend_.expertFfnGroup({in.weights->experts.data(), E, H, in.config->ffn,
                             expertOffsets_.data(), expertIn_.data(), expertOut_.data()});
    stats.busySeconds = nowSeconds(in.clock) - t0;
    stats.rowsProcessed = expertOffsets_[E];
}

void ExpertParallelLayer::forward(const LayerInputs& in, const LayerOutputs& out) {
    try {
        forwardUnguarded(in, out);
    } catch (...) {
        comm_.abort();  // peers waiting in a collective fail instead of hanging
        throw;
    }
}

void ExpertParallelLayer::forwardUnguarded(const LayerInputs& in, const LayerOutputs& out) {
    const int H = in.config->hidden, k = in.config->topK, me = comm_.rank();
    const size_t rowBytes = static_cast<size_t>(H) * sizeof(float);
    const long long cap = route(in, out);
    planSends(in);
    countReceives(in, cap);
    placeReceives(in.config->experts);
    const size_t rows = recvIndex_.size(), sent = sendPair_.size();
    expertIn_.resize(rows * H);
    expertOut_.resize(rows * H);
    comm_.allToAllRowsKeepingSend(in.x, {sendToken_, sendStart_}, expertIn_.data(),
                                  {recvIndex_, recvStart_}, rowBytes);

    RankLayerStats local;
    computeExperts(in, local);
    local.rowsSent = static_cast<int64_t>(sent - (sendStart_[me + 1] - sendStart_[me]));
    if (out.stats) *out.stats = local;

    // Results return along the reverse path, into send order.
    returnRows_.resize(sent * H);
    comm_.allToAllRowsKeepingSend(expertOut_.data(), {recvIndex_, recvStart_}, returnRows_.data(),
                                  {{}, sendStart_}, rowBytes);
    std::fill(out.y, out.y + static_cast<size_t>(in.tokens) * H, 0.0f);
    for (size_t i = 0; i < sent; ++i) {
        const int p = sendPair_[i];
        const float w = weights_[p];
        float* dst = out.y + static_cast<size_t>(p / k) * H;
        const float* src = returnRows_.data() + i * H;
        for (int h = 0; h < H; ++h) dst[h] += w * src[h];
    }
}

}  // namespace moe
