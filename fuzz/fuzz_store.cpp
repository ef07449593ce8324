// The experiment store (SQLite): opening a damaged or hostile database file (ExperimentStore:
// schema check, migration, settling dead runs) and reading its runs back (RunReader). Shapes
// and blobs stored in the file are outside data too.
#include "core/store/experiment_store.h"
#include "core/store/run_reader.h"
#include "fuzz/fuzz_support.h"

namespace {

void readRun(moe::store::ExperimentStore& store, const moe::store::RunRecord& run) {
    moe::store::RunReader reader(store.connection(), run);
    reader.layerLoads(0);
    int64_t steps = 0;
    reader.forEachStep([&](const moe::StepTelemetry&) { ++steps; });
    reader.stepNumbers();
    reader.forEachPrediction([](const moe::store::PredictionRecord&) {});
    reader.forEachDecision([](const moe::store::DecisionRecord&) {});
    reader.predictionSummary();
    reader.decisionSummary();
    reader.metrics();
    reader.runMetrics();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = moe::fuzz::writeInput(data, size, "store.sqlite");
    for (const char* side : {"-wal", "-shm", "-journal"}) std::remove((path + side).c_str());
    moe::fuzz::expectOnlyMoeError([&] {
        moe::store::ExperimentStore store(path);
        const auto runs = store.listRuns();
        for (size_t i = 0; i < runs.size() && i < 4; ++i)
            moe::fuzz::expectOnlyMoeError([&] { readRun(store, runs[i]); });
        moe::fuzz::expectOnlyMoeError([&] { store.resolveRun("last"); });
    });
    return 0;
}
