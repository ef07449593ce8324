// The dispatch protocol, per rank and layer:
//   1. route local tokens (own gate or forced ids), count pairs per expert;
//   2. all-gather the counts: every rank then knows each pair's global index per expert,
//      which fixes capacity drops and the replica a pair goes to exactly as one rank would;
//   3. all-to-allv the rows, each tagged with its expert id (what every rank receives from
//      every other follows from the gathered counts, so no separate count exchange);
//   4. run local experts over the received rows (grouped by expert);
//   5. all-to-allv the results back along the reverse path and combine with router weights.
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

std::vector<size_t> scaled(const std::vector<size_t>& rows, size_t bytesPerRow) {
    std::vector<size_t> out(rows.size());
    for (size_t i = 0; i < rows.size(); ++i) out[i] = rows[i] * bytesPerRow;
    return out;
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
    std::vector<int64_t> local(E + 1, 0);
    backend_.expertHistogram(ids_.data(), pairs, E, local.data());
    local[E] = in.tokens;
    allCounts_.resize(static_cast<size_t>(G) * (E + 1));
    comm_.allGather(local.data(), local.size() * sizeof(int64_t), allCounts_.data());

    std::vector<int64_t> before(E, 0), total(E, 0);
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

// Rows this rank receives from rank s: for each expert e it holds, the part of s's pairs
// [before_s[e], before_s[e] + count_s[e]) that lies under capacity and in this replica's
// range [boundary(i), boundary(i + 1)) of the n kept pairs (see Placement).
void ExpertParallelLayer::expectedReceives(const LayerInputs& in, long long cap) {
    const int E = in.config->experts, G = comm_.size(), me = comm_.rank();
    recvCount_.assign(G, 0);
    std::vector<int64_t> before(E, 0), total(E, 0);
    for (int s = 0; s < G; ++s)
        for (int e = 0; e < E; ++e) total[e] += allCounts_[static_cast<size_t>(s) * (E + 1) + e];
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
                if (hi > lo) recvCount_[s] += static_cast<size_t>(hi - lo);
            }
            before[e] += row[e];
        }
    }
}

void ExpertParallelLayer::computeExperts(const LayerInputs& in, RankLayerStats& stats) {
    const int H = in.config->hidden, E = in.config->experts, stride = H + 1;
    const int rows = static_cast<int>(recvRows_.size() / stride);
    recvMeta_.resize(rows);
    for (int i = 0; i < rows; ++i)
        std::memcpy(&recvMeta_[i], &recvRows_[static_cast<size_t>(i) * stride], 4);
    const ExpertGrouping g = groupByExpert(recvMeta_.data(), rows, E);
    expertIn_.resize(static_cast<size_t>(rows) * H);
    expertOut_.resize(static_cast<size_t>(rows) * H);
    for (int i = 0; i < rows; ++i)
        std::copy_n(recvRows_.data() + static_cast<size_t>(g.order[i]) * stride + 1, H,
                    expertIn_.data() + static_cast<size_t>(i) * H);
    const double t0 = nowSeconds(in.clock);
    backend_.expertFfnGroup({in.weights->experts.data(), E, H, in.config->ffn, g.offsets.data(),
                             expertIn_.data(), expertOut_.data()});
    stats.busySeconds = nowSeconds(in.clock) - t0;
    stats.rowsProcessed = rows;
    // Results go back in received order, so they return along the same path.
    resultRows_.resize(static_cast<size_t>(rows) * H);
    for (int i = 0; i < rows; ++i)
        std::copy_n(expertOut_.data() + static_cast<size_t>(i) * H, H,
                    resultRows_.data() + static_cast<size_t>(g.order[i]) * H);
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
    const int H = in.config->hidden, k = in.config->topK, G = comm_.size(), me = comm_.rank();
    const int stride = H + 1;  // one float slot carries the row's expert id (bit copy)
    const long long cap = route(in, out);
    const int pairs = in.tokens * k;

    // Pack rows by destination rank (counting sort keeps token order within a destination).
    const ExpertGrouping byDest = groupByExpert(destOfPair_.data(), pairs, G);
    sendCount_.assign(G, 0);
    for (int d = 0; d < G; ++d) sendCount_[d] = byDest.offsets[d + 1] - byDest.offsets[d];
    const int sent = static_cast<int>(byDest.order.size());
    sendPair_.assign(byDest.order.begin(), byDest.order.end());
    sendRows_.resize(static_cast<size_t>(sent) * stride);
    for (int i = 0; i < sent; ++i) {
        const int p = sendPair_[i];
        float* row = sendRows_.data() + static_cast<size_t>(i) * stride;
        std::memcpy(row, &ids_[p], 4);
        std::copy_n(in.x + static_cast<size_t>(p / k) * H, H, row + 1);
    }
    expectedReceives(in, cap);
    size_t received = 0;
    for (size_t n : recvCount_) received += n;
    recvRows_.resize(received * stride);
    comm_.allToAllV(sendRows_.data(), scaled(sendCount_, stride * sizeof(float)), recvRows_.data(),
                    scaled(recvCount_, stride * sizeof(float)));

    RankLayerStats local;
    computeExperts(in, local);
    local.rowsSent = sent - static_cast<int64_t>(sendCount_[me]);
    if (out.stats) *out.stats = local;

    // Results return along the reverse path.
    returnRows_.resize(static_cast<size_t>(sent) * H);
    comm_.allToAllV(resultRows_.data(), scaled(recvCount_, H * sizeof(float)), returnRows_.data(),
                    scaled(sendCount_, H * sizeof(float)));
    std::fill(out.y, out.y + static_cast<size_t>(in.tokens) * H, 0.0f);
    for (int i = 0; i < sent; ++i) {
        const int p = sendPair_[i];
        const float w = weights_[p];
        float* dst = out.y + static_cast<size_t>(p / k) * H;
        const float* src = returnRows_.data() + static_cast<size_t>(i) * H;
        for (int h = 0; h < H; ++h) dst[h] += w * src[h];
    }
}

}  // namespace moe
