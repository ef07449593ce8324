// `train`: trains the small MoE language model live on a corpus, printing progress (loss,
// held-out loss, tokens/s, skewness), writing the loss curve as CSV, saving and resuming
// checkpoints, and at the end reporting how far loads moved at each corpus-section switch
// and where the phase detector finds transient and stable phases. The run is recorded in the
// experiment store like `predict` records its workload: per-step loads of one pseudo-rank.
#include <chrono>
#include <cmath>
#include <csignal>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/cli/commands.h"
#include "app/cli/option_checks.h"
#include "app/cli/run_recording.h"
#include "app/cli/store_options.h"
#include "core/common/error.h"
#include "core/common/output_file.h"
#include "core/engine/routing_telemetry.h"
#include "core/predict/phase_detector.h"
#include "core/stats/load_matrix.h"
#include "core/train/load_shift.h"
#include "core/train/train_workload.h"

namespace moe::cli {
namespace {

volatile std::sig_atomic_t gStop = 0;
void onInterrupt(int) { gStop = 1; }

struct TrainFlags {
    train::TrainSpec spec;
    std::string aux = "switch:0.01";
    std::string score = "softmax";
    int64_t steps = 2000;
    double timeLimit = 0;
    int printEvery = 10;
    std::string checkpoint, csv;
    int checkpointEvery = 0;
    int shiftWindow = 50;
    PhaseOptions phase{100, 1e-4, 0.05, 100, 1};
    std::vector<int> phaseSmooth{1};  // one detector per value, all on the same loads
    std::string db;
    bool noDb = false, quiet = false;
    std::string name;
    std::vector<std::string> tags;
};

std::string fmt(double v, int digits) {
    std::ostringstream s;
    s << std::fixed << std::setprecision(digits) << v;
    return s.str();
}

double meanSkewness(const std::vector<int64_t>& counts, int layers, int experts) {
    double total = 0;
    for (int l = 0; l < layers; ++l) {
        int64_t sum = 0, mx = 0;
        for (int e = 0; e < experts; ++e) {
            sum += counts[static_cast<size_t>(l) * experts + e];
            mx = std::max(mx, counts[static_cast<size_t>(l) * experts + e]);
        }
        total += sum > 0 ? static_cast<double>(mx) * experts / static_cast<double>(sum) : 0;
    }
    return total / layers;
}

RunRecording startRecording(const TrainFlags& f, const train::TrainWorkload& w) {
    if (f.noDb) return {};
    store::RunInfo info;
    info.name = f.name.empty() ? "train " + w.spec().options.sections : f.name;
    info.tags = f.tags;
    info.workload = w.describe();
    info.configJson = nlohmann::json{{"command", "train"}, {"workload", w.describe()}}.dump();
    info.backend = "train: cpu (Eigen + OpenMP), loads of the live training run";
    info.layers = w.shape().layers;
    info.experts = w.shape().experts;
    info.ranks = 1;
    return RunRecording(databasePath(f.db), info, store::RecorderOptions{});
}

// Held-out loss curve: first evaluation, last, and when it first fell under ln(256)/2.
struct CurveSummary {
    double first = NAN, last = NAN, underHalfSeconds = NAN;
    int64_t underHalfStep = -1;
    void add(int64_t step, double seconds, double val) {
        if (std::isnan(first)) first = val;
        last = val;
        if (underHalfStep < 0 && val < std::log(256.0) / 2) {
            underHalfStep = step;
            underHalfSeconds = seconds;
        }
    }
};

void printShifts(std::ostream& out, const train::SectionSchedule& schedule, int64_t firstStep,
                 const std::vector<LoadShares>& series, int window) {
    for (size_t p = 1; p < schedule.phases().size(); ++p) {
        const int64_t at = schedule.phases()[p].start - firstStep;
        const auto shift = train::shareShiftL1(series, at, window);
        const auto base = train::shareShiftL1(series, at - window, window);
        out << "domain shift at step " << schedule.phases()[p].start << " (-> "
            << schedule.phases()[p].sections[0] << "): ";
        if (shift.empty() || base.empty()) {
            out << "not enough steps around it for windows of " << window << "\n";
            continue;
        }
        double s = 0, b = 0;
        out << "L1 distance of mean expert shares, " << window << " steps before vs after, "
            << "per layer:";
        for (size_t l = 0; l < shift.size(); ++l) {
            out << ' ' << fmt(shift[l], 3);
            s += shift[l] / shift.size();
            b += base[l] / base.size();
        }
        out << "; mean " << fmt(s, 3) << " vs " << fmt(b, 3)
            << " between the two windows before it (ordinary drift)\n";
    }
}

void printPhases(std::ostream& out, const PhaseDetector& detector, const PhaseOptions& o,
                 int64_t firstStep, int64_t tokensPerStep) {
    const auto segments = detector.segments();
    out << "phase detector (";
    if (o.smooth > 1)
        out << "shares averaged over " << o.smooth << " steps = " << o.smooth * tokensPerStep
            << " tokens, ";
    out << "window " << o.window << ", variance < " << o.varianceThreshold << ", range < "
        << o.rangeThreshold << ", held " << o.hold << " steps), per layer:\n";
    for (size_t l = 0; l < segments.size(); ++l) {
        out << "  layer " << l << ":";
        for (const auto& s : segments[l])
            out << ' ' << (s.stable ? "stable" : "transient") << " [" << s.begin + firstStep << ", "
                << s.end + firstStep << ")";
        // The last window's statistics, so thresholds can be calibrated to this run; until
        // the (smoothed) window has filled there are none, and 0 would read as "calm".
        const int64_t seen = segments[l].empty() ? 0 : segments[l].back().end;
        const int64_t needed = static_cast<int64_t>(o.window) + std::max(1, o.smooth) - 1;
        if (seen < needed)
            out << "  (window not full: " << seen << " of the " << needed
                << " steps it needs; no statistics yet)\n";
        else
            out << "  (last window: max variance " << detector.variance(static_cast<int>(l))
                << ", max range " << detector.range(static_cast<int>(l)) << ")\n";
    }
}

// One `train` invocation: the workload (which owns the trainer), the loss-curve CSV, the
// recording, and what the end-of-run report needs, fed one step at a time.
class TrainSession {
public:
    explicit TrainSession(TrainFlags& f)
        : f_(f),
          workload_(prepared(f)),
          trainer_(workload_.trainer()),
          shape_(workload_.shape()),
          firstStep_(trainer_.nextStep()),
          loads_(shape_.layers, shape_.experts),
          start_(std::chrono::steady_clock::now()) {
        for (int smooth : f.phaseSmooth) {
            phaseOptions_.push_back(f.phase);
            phaseOptions_.back().smooth = smooth;
            detectors_.emplace_back(phaseOptions_.back());
        }
    }
    void begin();
    // Trains the steps; true when Ctrl-C ended them.
    bool trainSteps();
    void report(bool interrupted);
    void fail(const std::string& message) { recording_.fail(message); }

private:
    static train::TrainSpec& prepared(TrainFlags& f) {
        f.spec.options.balance = train::parseBalance(f.aux);
        f.spec.options.model.score = parseScoreFunction(f.score);
        f.spec.steps = f.steps;
        return f.spec;
    }
    double elapsed() const {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    }
    std::string phaseName(int64_t step) const {
        std::string n;
        for (const auto& s : trainer_.schedule().phaseAt(step).sections)
            n += (n.empty() ? "" : "+") + s;
        return n;
    }
    void openCsv();
    // One trained step; false when the time limit or Ctrl-C ends the run.
    bool onStep(const Step& step);

    TrainFlags& f_;
    train::TrainWorkload workload_;
    train::Trainer& trainer_;
    WorkloadShape shape_;
    int64_t firstStep_;
    std::unique_ptr<std::ofstream> csv_;
    RunRecording recording_;
    CurveSummary curve_;
    std::vector<PhaseOptions> phaseOptions_;
    std::vector<PhaseDetector> detectors_;
    std::vector<LoadShares> series_;
    LoadMatrix loads_;
    int64_t tokens_ = 0;
    std::chrono::steady_clock::time_point start_;
};

void TrainSession::openCsv() {
    if (f_.csv.empty()) return;
    // Streamed step by step (an interrupted run keeps its curve so far), so not through a
    // temporary file; but never over a directory or an experiment database.
    checkOutputPath(f_.csv);
    csv_ = std::make_unique<std::ofstream>(f_.csv);
    if (!*csv_) throw Error::inFile(f_.csv, 0, "cannot write the CSV file");
    *csv_ << "step,elapsed_s,tokens,train_loss,aux_loss,val_loss,lr,grad_norm,tokens_per_s,"
             "skewness,sections\n";
}

void TrainSession::begin() {
    openCsv();
    recording_ = startRecording(f_, workload_);
    const auto& model = trainer_.options().model;
    std::cout << "workload: " << workload_.describe()
              << "\nmodel: " << trainer_.model().parameterCount() << " parameters, " << model.blocks
              << " blocks x (attention + MoE " << model.experts << " experts top-" << model.topK
              << "), " << trainer_.options().batch * model.context << " tokens per step\n";
    if (recording_.active())
        std::cout << "run " << recording_.runId() << ": recording to " << recording_.path() << "\n";
    const double val0 = trainer_.evaluate(firstStep_);
    curve_.add(firstStep_, 0, val0);
    std::cout << "step " << firstStep_ << "  val " << fmt(val0, 4)
              << " (before training; ln 256 = " << fmt(std::log(256.0), 4) << ")\n";
    if (csv_) *csv_ << firstStep_ << ",0,0,,," << val0 << ",,,,," << phaseName(firstStep_) << "\n";
}

bool TrainSession::onStep(const Step& step) {
    const train::StepReport& r = trainer_.lastReport();
    loads_.clear();
    loads_.accumulate(step, shape_.topK);
    series_.push_back(sharesOf(loads_, step.tokens, shape_.topK));
    for (auto& d : detectors_) d.push(step.index, series_.back());
    tokens_ += step.tokens;
    const double t = elapsed();
    const double skew = meanSkewness(trainer_.routing().counts, shape_.layers, shape_.experts);
    if (r.valLoss) curve_.add(r.step + 1, t, *r.valLoss);
    if (csv_)
        *csv_ << r.step + 1 << ',' << fmt(t, 3) << ',' << tokens_ << ',' << r.loss.crossEntropy
              << ',' << r.loss.aux << ',' << (r.valLoss ? std::to_string(*r.valLoss) : "") << ','
              << r.lr << ',' << r.gradNorm << ',' << fmt(r.tokens / r.seconds, 1) << ','
              << fmt(skew, 4) << ',' << phaseName(r.step) << "\n";
    if (recording_.active()) {
        StepTelemetry tel = routingOnlyTelemetry(step, loads_, shape_.topK);
        tel.wallSeconds = r.seconds;
        recording_.record(tel);
    }
    if (!f_.quiet && ((step.index + 1) % f_.printEvery == 0 || r.valLoss))
        std::cout << "step " << r.step + 1 << "  loss " << fmt(r.loss.crossEntropy, 4) << "  aux "
                  << fmt(r.loss.aux, 4) << (r.valLoss ? "  val " + fmt(*r.valLoss, 4) : "") << "  "
                  << fmt(tokens_ / t, 0) << " tok/s  skew " << fmt(skew, 2) << "  ["
                  << phaseName(r.step) << "]" << std::endl;
    if (!f_.checkpoint.empty() && f_.checkpointEvery > 0 && (r.step + 1) % f_.checkpointEvery == 0)
        trainer_.save(f_.checkpoint);
    return !gStop && !(f_.timeLimit > 0 && t >= f_.timeLimit);
}

bool TrainSession::trainSteps() {
    gStop = 0;
    auto previousInt = std::signal(SIGINT, onInterrupt);
    Step step;
    try {
        while (workload_.next(step))
            if (!onStep(step)) break;
    } catch (...) {
        std::signal(SIGINT, previousInt);
        throw;
    }
    std::signal(SIGINT, previousInt);
    return gStop != 0;
}

void TrainSession::report(bool interrupted) {
    const int64_t taken = static_cast<int64_t>(series_.size());
    const double seconds = elapsed();
    const double valEnd = trainer_.evaluate(trainer_.nextStep() - 1);
    curve_.add(trainer_.nextStep(), seconds, valEnd);
    if (csv_)
        *csv_ << trainer_.nextStep() << ',' << fmt(seconds, 3) << ',' << tokens_ << ",,," << valEnd
              << ",,,,," << phaseName(trainer_.nextStep() - 1) << "\n";
    std::cout << "trained " << taken << " steps (" << tokens_ << " tokens) in " << fmt(seconds, 1)
              << " s: " << fmt(tokens_ / std::max(seconds, 1e-9), 0) << " tokens/s\n"
              << "held-out loss " << fmt(curve_.first, 4) << " -> " << fmt(valEnd, 4)
              << " nats/byte";
    if (curve_.underHalfStep >= 0)
        std::cout << "; under ln(256)/2 = " << fmt(std::log(256.0) / 2, 4) << " at step "
                  << curve_.underHalfStep << " after " << fmt(curve_.underHalfSeconds, 1) << " s";
    std::cout << "\n";
    printShifts(std::cout, trainer_.schedule(), firstStep_, series_, f_.shiftWindow);
    const auto& model = trainer_.options().model;
    const int64_t tokensPerStep = static_cast<int64_t>(trainer_.options().batch) * model.context;
    for (size_t i = 0; i < detectors_.size(); ++i)
        printPhases(std::cout, detectors_[i], phaseOptions_[i], firstStep_, tokensPerStep);
    if (!f_.checkpoint.empty()) {
        trainer_.save(f_.checkpoint);
        std::cout << "checkpoint: " << f_.checkpoint << " (step " << trainer_.nextStep() << ")\n";
    }
    recording_.finish(std::cout, interrupted, taken);
}

int execute(TrainFlags& f) {
    TrainSession session(f);
    session.begin();
    bool interrupted = false;
    try {
        interrupted = session.trainSteps();
    } catch (const std::exception& e) {
        session.fail(e.what());
        throw;
    }
    session.report(interrupted);
    return interrupted ? 130 : 0;
}

void addModelFlags(CLI::App* cmd, TrainFlags& f) {
    train::LmConfig& m = f.spec.options.model;
    cmd->add_option("--blocks", m.blocks, "Transformer blocks (one MoE layer each)")
        ->check(positive<int>())
        ->capture_default_str();
    cmd->add_option("--width", m.width, "Model width")
        ->check(positive<int>())
        ->capture_default_str();
    cmd->add_option("--heads", m.heads, "Attention heads (width divisible by heads)")
        ->check(positive<int>())
        ->capture_default_str();
    cmd->add_option("--experts", m.experts, "Experts per MoE layer")
        ->check(positive<int>())
        ->capture_default_str();
    cmd->add_option("--top-k", m.topK, "Experts per token")
        ->check(positive<int>())
        ->capture_default_str();
    cmd->add_option("--ffn", m.ffn, "Expert inner width (SwiGLU)")
        ->check(positive<int>())
        ->capture_default_str();
    cmd->add_option("--context", m.context, "Tokens (bytes) per training sequence")
        ->check(positive<int>())
        ->capture_default_str();
    cmd->add_option("--score", f.score, "Router score: softmax or sigmoid")
        ->check(CLI::IsMember({"softmax", "sigmoid"}))
        ->capture_default_str();
    cmd->add_option("--capacity", m.capacityFactor, "Capacity factor (0 = no dropping)")
        ->check(nonNegative<double>("no dropping"))
        ->capture_default_str();
}

void addTrainingFlags(CLI::App* cmd, TrainFlags& f) {
    train::TrainOptions& o = f.spec.options;
    cmd->add_option("--corpus", o.corpus,
                    "Corpus: python-docs (bundled; the full copy in ../shared is used when "
                    "present), a folder of SECTION.txt[.gz] files, or one text file")
        ->capture_default_str();
    cmd->add_option("--sections", o.sections,
                    "Sections to train on, with domain shifts: A+B>C@STEP>D@STEP (e.g. "
                    "tutorial>c-api@500 switches from tutorial to c-api at step 500)")
        ->capture_default_str();
    cmd->add_option("-n,--steps", f.steps, "Training steps to take (0 = until stopped)")
        ->check(nonNegative<int64_t>("until stopped"))
        ->capture_default_str();
    cmd->add_option("--time-limit", f.timeLimit, "Stop after this many seconds (0 = none)")
        ->check(nonNegative<double>("none"));
    cmd->add_option("--batch", o.batch, "Sequences per step")
        ->check(positive<int>())
        ->capture_default_str();
    cmd->add_option("--lr", o.optimizer.lr, "AdamW learning rate")
        ->check(positive<double>())
        ->capture_default_str();
    cmd->add_option("--warmup", o.optimizer.warmup, "Steps of linear learning-rate warm-up")
        ->check(nonNegative<int>())
        ->capture_default_str();
    cmd->add_option("--weight-decay", o.optimizer.weightDecay, "AdamW weight decay (matrices)")
        ->check(nonNegative<double>())
        ->capture_default_str();
    cmd->add_option("--clip", o.optimizer.clip, "Gradient-norm clip (0 = off)")
        ->check(nonNegative<double>("off"))
        ->capture_default_str();
    cmd->add_option("--aux", f.aux,
                    "Router balancing: none, switch[:COEF] (auxiliary loss), bias[:RATE] "
                    "(aux-loss-free expert bias)")
        ->capture_default_str();
    cmd->add_option("--eval-every", o.evalEvery,
                    "Held-out loss every N steps (0 = start and end only)")
        ->check(nonNegative<int>("start and end only"))
        ->capture_default_str();
    cmd->add_option("--eval-windows", o.evalWindows, "Held-out sequences per evaluation")
        ->check(positive<int>())
        ->capture_default_str();
    cmd->add_option("--seed", o.seed, "Seed of the weights and the batch sampler")
        ->capture_default_str();
    cmd->add_option("--threads", o.threads, "Threads for the products (0 = OpenMP default)")
        ->check(nonNegative<int>("OpenMP default"))
        ->capture_default_str();
}

}  // namespace

Action addTrainCommand(CLI::App& app) {
    auto f = std::make_shared<TrainFlags>();
    CLI::App* cmd = app.add_subcommand(
        "train", "Train the small MoE language model live on a corpus and watch its expert loads");
    addTrainingFlags(cmd, *f);
    addModelFlags(cmd, *f);
    cmd->add_option("--checkpoint", f->checkpoint,
                    "Save a checkpoint here at the end (and every --checkpoint-every steps)")
        ->check(outputFile());
    cmd->add_option("--checkpoint-every", f->checkpointEvery,
                    "Save every N steps (0 = at the end only)")
        ->check(nonNegative<int>("at the end only"));
    cmd->add_option("--resume", f->spec.options.resume,
                    "Continue from this checkpoint (its model sizes win)");
    cmd->add_option("--csv", f->csv, "Write the loss curve (one row per step) to this CSV file")
        ->check(outputFile());
    cmd->add_option("--print-every", f->printEvery, "Progress line every N steps")
        ->check(positive<int>())
        ->capture_default_str();
    cmd->add_option("--shift-window", f->shiftWindow,
                    "Steps before/after a section switch compared")
        ->check(positive<int>())
        ->capture_default_str();
    cmd->add_option("--phase-window", f->phase.window, "Phase detector window W")
        ->check(atLeast(2, "a window spans two steps or more"))
        ->capture_default_str();
    cmd->add_option("--phase-variance", f->phase.varianceThreshold,
                    "Stable when the windowed share variance stays under this ...")
        ->check(positive<double>())
        ->capture_default_str();
    cmd->add_option("--phase-range", f->phase.rangeThreshold,
                    "... and the windowed share range under this ...")
        ->check(positive<double>())
        ->capture_default_str();
    cmd->add_option("--phase-hold", f->phase.hold, "... for this many consecutive steps")
        ->check(positive<int>())
        ->capture_default_str();
    cmd->add_option("--phase-smooth", f->phaseSmooth,
                    "Average each expert's share over this many steps before the window "
                    "statistics (1 = raw shares): a step of ~1k tokens is far noisier than the "
                    "paper's ~500k-token iteration. Repeat for one detector per value")
        ->check(positive<int>())
        ->capture_default_str();
    cmd->add_flag("-q,--quiet", f->quiet, "Only the summary, no progress lines");
    addDbOption(*cmd, f->db);
    cmd->add_flag("--no-db", f->noDb, "Do not record the run in the experiment store");
    cmd->add_option("--name", f->name, "Name of the recorded run");
    cmd->add_option("--tag", f->tags, "Tag the recorded run (repeatable)");
    return [f] { return execute(*f); };
}

}  // namespace moe::cli
