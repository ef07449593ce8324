// See workload_source.h.
#include "core/experiment/workload_source.h"

#include <filesystem>

#include "core/common/error.h"
#include "core/imports/import_routing.h"
#include "core/imports/imported_workload.h"
#include "core/imports/recording_cache.h"
#include "core/train/train_workload.h"
#include "core/workload/synthetic_workload.h"
#include "core/workload/trace_shape.h"
#include "core/workload/trace_workload.h"

namespace moe {

namespace {
bool startsWith(const std::string& s, const std::string& prefix) {
    return s.compare(0, prefix.size(), prefix) == 0;
}
}  // namespace

train::TrainSpec parseTrainWorkloadSpec(const std::string& keyValues,
                                        const WorkloadOptions& options) {
    train::TrainSpec base;
    base.options.seed = options.seed;
    if (options.layers) base.options.model.blocks = *options.layers;
    if (options.experts) base.options.model.experts = *options.experts;
    if (options.topK) base.options.model.topK = *options.topK;
    train::TrainSpec spec = train::parseTrainSpec(keyValues, base);
    if (options.maxSteps > 0)
        spec.steps = spec.steps > 0 ? std::min(spec.steps, options.maxSteps) : options.maxSteps;
    return spec;
}

std::unique_ptr<Workload> openWorkload(const WorkloadOptions& options) {
    if (options.maxSteps < 0) throw Error("max steps must be 0 (whole workload) or more");
    const bool barePath =
        options.spec.find(':') == std::string::npos && std::filesystem::exists(options.spec);
    if (startsWith(options.spec, "import:") || (barePath && isKnownRecording(options.spec))) {
        const std::string path = barePath ? options.spec : options.spec.substr(7);
        // Shared: the workbench that checked this recording on opening it still holds it.
        return std::make_unique<ImportedWorkload>(
            importRoutingShared({path}, options.topK.value_or(0)), options.maxSteps,
            options.topK.value_or(0));
    }
    if (startsWith(options.spec, "trace:") || barePath) {
        const std::string what = barePath ? options.spec : options.spec.substr(6);
        if (what.empty()) throw Error("workload spec 'trace:' needs a path or a trace name");
        TraceWorkloadOptions trace;
        trace.path = resolveTraceName(what);
        trace.shape =
            resolveTraceShape(trace.path, {options.layers, options.experts, options.topK});
        trace.batching = options.batching;
        trace.tokensPerStep = options.tokensPerStep;
        trace.batch = options.batch;
        trace.maxSteps = options.maxSteps;
        return std::make_unique<TraceWorkload>(trace);
    }
    if (options.spec == "synthetic" || startsWith(options.spec, "synthetic:")) {
        const std::string keyValues = options.spec.size() > 10 ? options.spec.substr(10) : "";
        return std::make_unique<SyntheticWorkload>(parseSyntheticSpec(keyValues, options));
    }
    if (options.spec == "train" || startsWith(options.spec, "train:")) {
        const std::string keyValues = options.spec.size() > 6 ? options.spec.substr(6) : "";
        return std::make_unique<train::TrainWorkload>(parseTrainWorkloadSpec(keyValues, options));
    }
    throw Error("unknown workload '" + options.spec +
                "' (expected a file or folder, trace:PATH, trace:gpt-oss-20b, import:PATH, "
                "synthetic:key=value,... or train:key=value,...)");
}

}  // namespace moe
