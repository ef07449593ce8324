// See request_lockstep.h. One request (the common case of a single long recording) keeps its
// id array as it is: no copy of what may be hundreds of megabytes.
#include "core/imports/request_lockstep.h"

#include <algorithm>

#include "core/common/error.h"

namespace moe {

namespace {

// The largest id + 1, after checking every id lies in 0..2^20 (one pass that vectorises).
int expertsOf(const RequestRouting& q) {
    int32_t lo = 0, hi = -1;
    for (int32_t e : q.ids) {
        lo = std::min(lo, e);
        hi = std::max(hi, e);
    }
    if (lo < 0 || hi > (1 << 20))
        throw Error(q.source + ": expert id " + std::to_string(lo < 0 ? lo : hi) +
                    " (ids must lie in 0.." + std::to_string(1 << 20) + ")");
    return hi + 1;
}

}  // namespace

ImportedRouting requestsInLockstep(std::vector<RequestRouting> requests, int layers, int topK) {
    ImportedRouting r;
    r.topK = topK;
    for (int l = 0; l < layers; ++l) r.layers.push_back(l);
    const size_t per = static_cast<size_t>(layers) * topK;
    int64_t longest = 0, total = 0;
    for (const RequestRouting& q : requests) {
        if (q.ids.size() != static_cast<size_t>(q.tokens) * per)
            throw Error(q.source + ": " + std::to_string(q.ids.size()) + " expert ids for " +
                        std::to_string(q.tokens) + " tokens x " + std::to_string(layers) +
                        " layers x top-" + std::to_string(topK));
        r.experts = std::max(r.experts, expertsOf(q));
        longest = std::max(longest, q.tokens);
        total += q.tokens;
    }
    r.tokens.reserve(static_cast<size_t>(total));
    if (requests.size() == 1)
        r.ids = std::move(requests.front().ids);
    else
        r.ids.reserve(static_cast<size_t>(total) * per);
    for (int64_t step = 0; step < longest; ++step)
        for (size_t s = 0; s < requests.size(); ++s) {
            if (step >= requests[s].tokens) continue;
            r.tokens.push_back({step, static_cast<int32_t>(s), static_cast<int32_t>(step), -1});
            if (requests.size() == 1) continue;
            const int32_t* ids = requests[s].ids.data() + step * per;
            r.ids.insert(r.ids.end(), ids, ids + per);
        }
    r.notes.push_back(
        "each request is one sequence; the requests run in lockstep, token i of each "
        "in step i; experts counted as the largest id + 1");
    return r;
}

}  // namespace moe
