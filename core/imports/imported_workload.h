// An imported recording as a workload, so every command and view runs on it. Per-token
// routing replays as recorded: one step per forward pass, with its sequences, positions and
// token ids. Counts only (a load-only recording) still drive real layers by this rule: a
// step's T = pairs / k tokens are routed so that every expert gets exactly its recorded count:
// list the experts' ids, each repeated by its count, in expert order, and give token t the
// entries t, t + T, ..., t + (k-1) T. No expert is picked twice by one token, since no count
// exceeds T.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/imports/imported_routing.h"
#include "core/workload/workload.h"

namespace moe {

class ImportedWorkload final : public Workload {
public:
    // topK: for counts only, the model's experts per token; 0 = the largest k <= 16 that divides
    // every layer's pairs in every step with no count above pairs / k. Throws moe::Error when
    // the counts admit no such k, or layers of one step disagree on the tokens.
    ImportedWorkload(ImportedRouting routing, int64_t maxSteps = 0, int topK = 0);
    // The same over a recording others hold too (recording_cache.h): nothing is copied.
    ImportedWorkload(std::shared_ptr<const ImportedRouting> routing, int64_t maxSteps = 0,
                     int topK = 0);

    const WorkloadShape& shape() const override { return shape_; }
    bool next(Step& step) override;
    std::string describe() const override;
    const std::shared_ptr<const ImportedRouting>& routing() const { return routing_; }

private:
    void countsStep(int64_t s, Step& step);
    void tokensStep(Step& step);

    std::shared_ptr<const ImportedRouting> routing_;
    WorkloadShape shape_;
    int64_t steps_ = 0, next_ = 0;
    size_t token_ = 0;  // per-token: first token of the next step
    std::vector<int32_t> experts_, sequences_, positions_, ids_;
};

// The k for counts-only routing (see the constructor); 0 when none fits.
int inferTopK(const std::vector<std::vector<int64_t>>& stepLoads, int layers, int experts);

}  // namespace moe
