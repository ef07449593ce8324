// The training loop's body. Randomness is one splitmix64 stream (the batch sampler), saved in
// checkpoints, so a resumed run draws the batches the uninterrupted run would have drawn.
#include "core/train/trainer.h"

#include <chrono>
#include <cmath>

#include "core/common/error.h"
#include "core/model/cpu_backend.h"
#include "core/train/checkpoint.h"

namespace moe::train {

void TrainOptions::validate() const {
    model.validate();
    optimizer.validate();
    auto need = [](bool ok, const std::string& what) {
        if (!ok) throw Error("invalid training setting: " + what);
    };
    need(batch >= 1 && batch <= 4096, "batch must be 1..4096, got " + std::to_string(batch));
    need(evalEvery >= 0, "eval_every must be 0 (never) or more");
    need(evalWindows >= 1, "eval_windows must be at least 1");
    need(threads >= 0, "threads must be 0 (default) or more");
    need(model.vocab == kByteVocab,
         "the byte-level model needs vocab 256, got " + std::to_string(model.vocab));
    need(balance.auxCoef >= 0 && balance.biasRate >= 0, "balancing rates must be >= 0");
}

Trainer::Trainer(const TrainOptions& options)
    : options_(options),
      schedule_(options.sections),
      corpus_(options.corpus, options.validationFraction) {
    CheckpointData resumed;
    if (!options_.resume.empty()) {
        resumed = readCheckpoint(options_.resume);
        options_.model = resumed.model;
    }
    options_.validate();
    if (options_.threads > 0) setComputeThreadsForThisThread(options_.threads);
    loadCorpus();
    model_ = std::make_unique<LmModel<float>>(options_.model, options_.seed);
    if (options_.balance.mode == Balancing::Bias)
        for (auto& b : model_->selectionBias()) b.assign(options_.model.experts, 0.0f);
    optimizer_ = std::make_unique<AdamW>(options_.optimizer, model_->params());
    rng_ = options_.seed * 0x9e3779b97f4a7c15ULL + 0x2545f4914f6cdd1dULL;
    if (options_.resume.empty()) return;
    auto& params = model_->params();
    if (resumed.names.size() != params.size())
        throw Error::inFile(options_.resume, 0,
                            "checkpoint has " + std::to_string(resumed.names.size()) +
                                " parameters, the model " + std::to_string(params.size()));
    for (size_t i = 0; i < params.size(); ++i) {
        if (resumed.names[i] != params[i].name ||
            resumed.values[i].size() != params[i].value.size())
            throw Error::inFile(options_.resume, 0,
                                "checkpoint parameter " + resumed.names[i] +
                                    " does not fit the model's " + params[i].name);
        params[i].value = std::move(resumed.values[i]);
        optimizer_->firstMoments()[i] = std::move(resumed.m[i]);
        optimizer_->secondMoments()[i] = std::move(resumed.v[i]);
    }
    if (options_.balance.mode == Balancing::Bias &&
        resumed.bias.size() == static_cast<size_t>(options_.model.blocks))
        for (int l = 0; l < options_.model.blocks; ++l)
            if (resumed.bias[l].size() == static_cast<size_t>(options_.model.experts))
                model_->selectionBias()[l] = resumed.bias[l];
    step_ = resumed.step;
    rng_ = resumed.samplerState;
    optimizer_->setSteps(resumed.optimizerSteps);
}

void Trainer::loadCorpus() {
    const int S = options_.model.context;
    const size_t need = static_cast<size_t>(S) + 1;
    if (!corpus_.singleSection().empty() && options_.sections == TrainOptions{}.sections)
        schedule_ = SectionSchedule(corpus_.singleSection());
    for (const auto& name : schedule_.allSections()) corpus_.section(name, need);
    // Fixed held-out windows per phase, spread evenly over each section's validation tail.
    for (const auto& phase : schedule_.phases()) {
        std::vector<int32_t> in, tg;
        const int per = (options_.evalWindows + static_cast<int>(phase.sections.size()) - 1) /
                        static_cast<int>(phase.sections.size());
        for (const auto& name : phase.sections) {
            const CorpusSection& s = corpus_.section(name, need);
            const size_t span = s.text.size() - s.trainBytes - need;
            for (int w = 0; w < per; ++w) {
                const size_t start = s.trainBytes + span * w / std::max(1, per - 1);
                for (int i = 0; i < S; ++i) {
                    in.push_back(byteToken(s.text[start + i]));
                    tg.push_back(byteToken(s.text[start + i + 1]));
                }
            }
        }
        valInputs_.push_back(std::move(in));
        valTargets_.push_back(std::move(tg));
    }
}

uint64_t Trainer::nextRandom() {
    uint64_t z = (rng_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void Trainer::sampleBatch(int phaseIndex) {
    const SectionPhase& phase = schedule_.phases()[phaseIndex];
    const int S = options_.model.context, B = options_.batch;
    const size_t need = static_cast<size_t>(S) + 1;
    std::vector<const CorpusSection*> sections;
    uint64_t total = 0;
    for (const auto& name : phase.sections) {
        sections.push_back(&corpus_.section(name, need));
        total += sections.back()->trainBytes - need + 1;
    }
    inputs_.resize(static_cast<size_t>(B) * S);
    targets_.resize(inputs_.size());
    for (int b = 0; b < B; ++b) {
        // A start uniform over all training windows of the phase: sections weigh by size.
        uint64_t r = nextRandom() % total;  // total < 2^40: the modulo bias is negligible
        const CorpusSection* s = sections[0];
        for (const CorpusSection* c : sections) {
            const uint64_t n = c->trainBytes - need + 1;
            if (r < n) {
                s = c;
                break;
            }
            r -= n;
        }
        for (int i = 0; i < S; ++i) {
            inputs_[static_cast<size_t>(b) * S + i] = byteToken(s->text[r + i]);
            targets_[static_cast<size_t>(b) * S + i] = byteToken(s->text[r + i + 1]);
        }
    }
}

void Trainer::snapshotRouting() {
    const LmConfig& c = options_.model;
    const int T = model_->lastTokens(), k = c.topK, D = c.width, E = c.experts, S = c.context;
    StepRouting& r = routing_;
    r.tokens = T;
    r.experts.resize(static_cast<size_t>(c.blocks) * T * k);
    r.weights.resize(r.experts.size());
    r.hidden.resize(static_cast<size_t>(c.blocks) * T * D);
    r.counts.assign(static_cast<size_t>(c.blocks) * E, 0);
    for (int l = 0; l < c.blocks; ++l) {
        const auto& m = model_->routing(l);
        std::copy(m.ids.begin(), m.ids.end(), r.experts.begin() + static_cast<size_t>(l) * T * k);
        std::copy(m.weights.begin(), m.weights.end(),
                  r.weights.begin() + static_cast<size_t>(l) * T * k);
        const auto& h = model_->routerInput(l);
        std::copy(h.begin(), h.end(), r.hidden.begin() + static_cast<size_t>(l) * T * D);
        std::copy(m.counts.begin(), m.counts.end(), r.counts.begin() + static_cast<size_t>(l) * E);
    }
    const auto& x0 = model_->blockInput(0);
    r.modelInput.assign(x0.begin(), x0.end());
    r.tokenIds = inputs_;
    r.positions.resize(T);
    r.sequenceIds.resize(T);
    for (int t = 0; t < T; ++t) {
        r.positions[t] = t % S;
        r.sequenceIds[t] = static_cast<int32_t>(step_ * options_.batch + t / S);
    }
}

// Aux-loss-free balancing (DeepSeek-V3): each expert's bias moves by a fixed rate towards
// the mean load: up when the expert took fewer pairs than average, down when more.
void Trainer::updateBias() {
    if (options_.balance.mode != Balancing::Bias) return;
    const LmConfig& c = options_.model;
    const double mean = static_cast<double>(routing_.tokens) * c.topK / c.experts;
    const float rate = static_cast<float>(options_.balance.biasRate);
    for (int l = 0; l < c.blocks; ++l)
        for (int e = 0; e < c.experts; ++e) {
            const double n =
                static_cast<double>(routing_.counts[static_cast<size_t>(l) * c.experts + e]);
            model_->selectionBias()[l][e] += n < mean ? rate : (n > mean ? -rate : 0.0f);
        }
}

const StepReport& Trainer::step() {
    const auto start = std::chrono::steady_clock::now();
    if (options_.threads > 0) setComputeThreadsForThisThread(options_.threads);
    const int phase = schedule_.phaseIndexAt(step_);
    sampleBatch(phase);
    StepReport r;
    r.step = step_;
    r.phase = phase;
    r.lr = optimizer_->learningRate();
    model_->zeroGrad();
    r.loss = model_->forward(inputs_.data(), targets_.data(), options_.batch,
                             options_.model.context, options_.balance.activeAuxCoef());
    if (!std::isfinite(r.loss.total()))
        throw Error("training diverged at step " + std::to_string(step_) +
                    " (loss is not finite); lower the learning rate");
    model_->backward();
    snapshotRouting();
    r.gradNorm = optimizer_->step(model_->params());
    updateBias();
    r.tokens = routing_.tokens;
    ++step_;
    if (options_.evalEvery > 0 && step_ % options_.evalEvery == 0) r.valLoss = evaluate(step_ - 1);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    report_ = r;
    return report_;
}

double Trainer::evaluate(int64_t step) {
    if (options_.threads > 0) setComputeThreadsForThisThread(options_.threads);
    const int phase = schedule_.phaseIndexAt(step);
    const int S = options_.model.context;
    const auto& in = valInputs_[phase];
    const auto& tg = valTargets_[phase];
    const int windows = static_cast<int>(in.size()) / S;
    double total = 0;
    for (int w = 0; w < windows; w += options_.batch) {
        const int n = std::min(options_.batch, windows - w);
        const size_t off = static_cast<size_t>(w) * S;
        total += model_->forward(in.data() + off, tg.data() + off, n, S, 0.0).crossEntropy * n;
    }
    return total / windows;
}

void Trainer::save(const std::string& path) const {
    CheckpointData d;
    d.model = options_.model;
    d.sections = schedule_.text();
    d.step = step_;
    d.samplerState = rng_;
    d.optimizerSteps = optimizer_->steps();
    for (size_t i = 0; i < model_->params().size(); ++i) {
        d.names.push_back(model_->params()[i].name);
        d.values.push_back(model_->params()[i].value);
        d.m.push_back(optimizer_->firstMoments()[i]);
        d.v.push_back(optimizer_->secondMoments()[i]);
    }
    d.bias = model_->selectionBias();
    writeCheckpoint(path, d);
}

}  // namespace moe::train
