// What one step produced: the one record the CLI summary, the store and the GUI consume.
// Plain data, copyable, no pointers into engine state.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/stats/load_matrix.h"

namespace moe {

struct StepTelemetry {
    int64_t step = 0;
    int tokens = 0;
    int layers = 0;
    int ranks = 0;
    LoadMatrix loads;                     // L x E pairs routed per expert (before drops)
    std::vector<int64_t> dropped;         // L: pairs over capacity
    std::vector<int64_t> rankRows;        // L x G: rows each rank's experts computed
    std::vector<double> rankBusySeconds;  // L x G: expert FFN time per rank
    double wallSeconds = 0;               // the whole step, all layers, all ranks

    int64_t rankRowsAt(int layer, int rank) const {
        return rankRows[static_cast<size_t>(layer) * ranks + rank];
    }
    double busyAt(int layer, int rank) const {
        return rankBusySeconds[static_cast<size_t>(layer) * ranks + rank];
    }
    // The first rank with the most rows in one layer.
    int rankWithMostRows(int layer) const {
        int most = 0;
        for (int r = 1; r < ranks; ++r)
            if (rankRowsAt(layer, r) > rankRowsAt(layer, most)) most = r;
        return most;
    }
    // The busiest rank's rows, and the busiest rank's seconds, in one layer (not necessarily
    // the same rank): what a layer waits for.
    int64_t slowestRows(int layer) const {
        return ranks > 0 ? rankRowsAt(layer, rankWithMostRows(layer)) : 0;
    }
    double slowestBusy(int layer) const {
        double most = 0;
        for (int r = 0; r < ranks; ++r) most = std::max(most, busyAt(layer, r));
        return most;
    }
};

}  // namespace moe
