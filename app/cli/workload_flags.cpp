// See workload_flags.h.
#include "app/cli/workload_flags.h"

#include "app/cli/option_checks.h"
#include "core/common/resource_limits.h"

namespace moe::cli {

void WorkloadFlags::addTo(CLI::App& app, const std::string& defaultBatching) {
    batching = defaultBatching;
    app.add_option(
           "-w,--workload", spec,
           "Where routing comes from: trace:PATH (a .tsv.gz trace), trace:gpt-oss-20b (the "
           "bundled GPT-OSS-20B decode trace), synthetic:KEY=VALUE,... with keys layers, "
           "experts, top_k, tokens, steps, skew (max/mean, 1..E/k), drift, burst_prob, "
           "burst_factor, burst_len, seed, or train:KEY=VALUE,... (a small MoE language model "
           "trained live on the bundled Python docs; keys blocks, width, heads, experts, top_k, "
           "ffn, context, batch, lr, aux=none|switch:COEF|bias:RATE, sections=A>B@STEP, steps, "
           "seed, threads, resume; see `train --help`)")
        ->capture_default_str();
    app.add_option("--batching", batching,
                   "How tokens form steps: tokens (consecutive T tokens), sequence (one sequence "
                   "per step) or continuous (B sequences in flight, as a serving engine decodes); "
                   "recorded (the "
                   "steps an imported recording ran, kept in its trace's .shape)")
        ->check(CLI::IsMember({"tokens", "sequence", "continuous", "recorded"}))
        ->capture_default_str();
    app.add_option("-T,--tokens-per-step", tokensPerStep, "Tokens per step with --batching tokens")
        ->check(inRange(1, limits::kTokensPerStep))
        ->capture_default_str();
    app.add_option("-B,--batch", batch, "Sequences in flight with --batching continuous")
        ->check(inRange(1, limits::kTokensPerStep))
        ->capture_default_str();
    app.add_option("--layers", layers, "Trace shape: MoE layers (default: from the .shape file)")
        ->check(inRange(1, limits::kLayers));
    app.add_option("--experts", experts,
                   "Trace shape: experts per layer (default: from the .shape file)")
        ->check(inRange(1, limits::kExperts));
    app.add_option("--top-k", topK,
                   "Trace shape: experts per token (default: from the .shape file)")
        ->check(inRange(1, limits::kTopK));
}

WorkloadOptions WorkloadFlags::options(int64_t maxSteps, uint64_t seed) const {
    WorkloadOptions o;
    o.spec = spec;
    o.batching = parseBatching(batching);
    o.tokensPerStep = tokensPerStep;
    o.batch = batch;
    o.maxSteps = maxSteps;
    o.seed = seed;
    if (layers > 0) o.layers = layers;
    if (experts > 0) o.experts = experts;
    if (topK > 0) o.topK = topK;
    return o;
}

void WorkloadFlags::into(ExperimentWorkload& w) const {
    w.spec = spec;
    w.batching = batching;
    w.tokensPerStep = tokensPerStep;
    w.batch = batch;
    w.layers = layers;
    w.experts = experts;
    w.topK = topK;
}

}  // namespace moe::cli
