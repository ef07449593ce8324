// See predictor_factory.h. A spec is NAME or NAME:KEY=VALUE,KEY=VALUE,...
#include "core/predict/predictor_factory.h"

#include <charconv>
#include <map>
#include <set>

#include "core/common/error.h"
#include "core/predict/affinity_predictor.h"
#include "core/predict/arima_predictor.h"
#include "core/predict/baseline_predictors.h"
#include "core/predict/category_table.h"
#include "core/predict/dist_only_predictor.h"
#include "core/predict/ffn_token_predictor.h"
#include "core/predict/lstm_predictor.h"
#include "core/predict/pregate_predictor.h"
#include "core/predict/sequence_history_predictor.h"
#include "core/stats/loads_csv_reader.h"

namespace moe {
namespace {

class SpecArgs {
public:
    explicit SpecArgs(const std::string& spec) : spec_(spec) {
        const auto colon = spec.find(':');
        name_ = spec.substr(0, colon);
        if (colon == std::string::npos) return;
        std::string rest = spec.substr(colon + 1);
        size_t start = 0;
        while (start <= rest.size()) {
            const size_t comma = rest.find(',', start);
            const std::string item =
                rest.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
            // A bare KEY means KEY= (e.g. dist_only:table takes the default table).
            const auto eq = item.find('=');
            if (item.empty() || eq == 0)
                throw Error("predictor '" + spec + "': expected KEY=VALUE, got '" + item + "'");
            // A key given twice is a typo (window=1,window=2): which one was meant is unknown.
            const std::string key = item.substr(0, eq);
            if (!values_.emplace(key, eq == std::string::npos ? "" : item.substr(eq + 1)).second)
                throw Error("predictor '" + spec + "': key '" + key + "' given twice");
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
    }
    const std::string& name() const { return name_; }
    bool has(const std::string& key) {
        used_.insert(key);
        return values_.count(key) > 0;
    }
    std::string text(const std::string& key, const std::string& def) {
        used_.insert(key);
        const auto it = values_.find(key);
        return it == values_.end() ? def : it->second;
    }
    template <typename T>
    T number(const std::string& key, T def) {
        used_.insert(key);
        const auto it = values_.find(key);
        if (it == values_.end()) return def;
        T v{};
        const std::string& s = it->second;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec != std::errc() || p != s.data() + s.size())
            throw Error("predictor '" + spec_ + "': bad value '" + s + "' for " + key);
        return v;
    }
    // Rejects keys the predictor did not ask for.
    void finish() const {
        for (const auto& [k, v] : values_)
            if (!used_.count(k)) throw Error("predictor '" + spec_ + "': unknown key '" + k + "'");
    }

private:
    std::string spec_, name_;
    std::map<std::string, std::string> values_;
    std::set<std::string> used_;
};

std::unique_ptr<Predictor> distOnly(SpecArgs& a, const WorkloadShape& shape) {
    if (a.has("table")) {
        std::string path = a.text("table", ""), label = path;
        if (path.empty() || path == "gpt-oss-20b") {
            path = defaultCategoryTablePath();
            label = "gpt-oss-20b";
        }
        CategoryFilter f{a.text("dataset", ""), a.text("category", ""), a.text("phase", "")};
        LoadShares profile = readCategoryDistribution(path, f, shape.layers, shape.experts);
        return std::make_unique<DistOnlyPredictor>(
            std::move(profile), "table=" + label +
                                    (f.dataset.empty() ? "" : ",dataset=" + f.dataset) +
                                    (f.category.empty() ? "" : ",category=" + f.category) +
                                    (f.phase.empty() ? "" : ",phase=" + f.phase));
    }
    if (a.has("profile")) {
        // Another workload's recorded loads: `run --loads-csv` or `export --what loads` output.
        const std::string path = a.text("profile", "");
        const LoadMatrix m = readLoadsCsv(path);
        if (m.layers() != shape.layers || m.experts() != shape.experts)
            throw Error::inFile(path, 0,
                                "profile has " + std::to_string(m.layers()) + " layers x " +
                                    std::to_string(m.experts()) + " experts, the workload " +
                                    std::to_string(shape.layers) + " x " +
                                    std::to_string(shape.experts));
        LoadShares profile(m.layers(), m.experts());
        for (int l = 0; l < m.layers(); ++l) {
            double sum = 0;
            for (int e = 0; e < m.experts(); ++e) sum += static_cast<double>(m.at(l, e));
            for (int e = 0; e < m.experts(); ++e)
                profile.at(l, e) =
                    sum > 0 ? static_cast<float>(m.at(l, e) / sum) : 1.0f / m.experts();
        }
        return std::make_unique<DistOnlyPredictor>(std::move(profile), "profile=" + path);
    }
    return std::make_unique<DistOnlyPredictor>(a.number<int>("profile_steps", 100));
}

FfnTokenOptions ffnOptions(SpecArgs& a) {
    FfnTokenOptions o;
    o.hidden1 = a.number<int>("hidden1", o.hidden1);
    o.hidden2 = a.number<int>("hidden2", o.hidden2);
    o.learningRate = a.number<double>("lr", o.learningRate);
    o.batch = a.number<int>("batch", o.batch);
    o.epochsPerStep = a.number<int>("epochs", o.epochsPerStep);
    o.seed = a.number<uint64_t>("seed", o.seed);
    o.hardLoad = a.number<int>("hard", 0) != 0;
    o.linearSkip = a.number<int>("linear", 0) != 0;
    o.replay = a.number<int>("replay", o.replay);
    return o;
}

// The token-level families (null for any other name).
std::unique_ptr<TokenPredictor> tokenPredictor(SpecArgs& a, const WorkloadShape& shape) {
    using Key = FrequencyTokenPredictor::Key;
    const std::string& n = a.name();
    const std::map<std::string, Key> tables = {
        {"t2e_freq", Key::None}, {"t2e_position", Key::Position}, {"t2e_token", Key::TokenId}};
    if (const auto table = tables.find(n); table != tables.end())
        return std::make_unique<FrequencyTokenPredictor>(table->second, shape,
                                                         a.number<double>("decay", 1.0));
    if (n == "t2e_ngram")
        return std::make_unique<FrequencyTokenPredictor>(
            Key::TokenId, shape, a.number<double>("decay", 1.0), a.number<int>("n", 2) - 1);
    if (n == "t2e_ffn") return std::make_unique<FfnTokenPredictor>(ffnOptions(a), shape);
    if (n == "pregate") {
        FfnTokenOptions o = ffnOptions(a);
        o.routingFeatures = a.number<int>("routing", 0) != 0;
        PreGateOptions tables;
        tables.decay = a.number<double>("decay", tables.decay);
        tables.firstN = a.number<int>("first_n", tables.firstN);
        tables.blend = a.number<double>("blend", tables.blend);
        tables.firstInputs = a.number<int>("first_inputs", tables.firstInputs);
        tables.firstBlend = a.number<double>("first_blend", tables.firstBlend);
        tables.correct = a.number<double>("correct", tables.correct);
        tables.nets = a.number<int>("nets", tables.nets);
        return std::make_unique<PreGatePredictor>(o, shape, tables);
    }
    if (n == "affinity")
        return std::make_unique<AffinityPredictor>(shape, a.number<double>("decay", 0.98));
    if (n == "seq_history")
        return std::make_unique<SequenceHistoryPredictor>(shape, a.number<int>("window", 32));
    return nullptr;
}

}  // namespace

void addPredictor(const std::string& spec, const WorkloadShape& shape, PredictorSet& set) {
    SpecArgs a(spec);
    const std::string& n = a.name();
    if (n == "oracle")
        set.load.push_back(std::make_unique<OraclePredictor>());
    else if (n == "last")
        set.load.push_back(std::make_unique<LastValuePredictor>());
    else if (n == "ema")
        set.load.push_back(std::make_unique<EmaPredictor>(a.number<double>("alpha", 0.1)));
    else if (n == "sw_avg")
        set.load.push_back(std::make_unique<SlidingWindowPredictor>(a.number<int>("window", 100)));
    else if (n == "dist_only")
        set.load.push_back(distOnly(a, shape));
    else if (n == "arima") {
        ArimaOptions o;
        o.p = a.number<int>("p", o.p);
        o.d = a.number<int>("d", o.d);
        o.q = a.number<int>("q", o.q);
        o.history = a.number<int>("history", o.history);
        o.refitEvery = a.number<int>("refit", o.refitEvery);
        o.maxIterations = a.number<int>("max_iterations", o.maxIterations);
        o.refitIterations = a.number<int>("refit_iterations", o.refitIterations);
        o.validate();
        set.load.push_back(std::make_unique<ArimaPredictor>(o));
    } else if (n == "lstm") {
        LstmOptions o;
        o.hidden = a.number<int>("hidden", o.hidden);
        o.layers = a.number<int>("layers", o.layers);
        o.window = a.number<int>("window", o.window);
        o.epochs = a.number<int>("epochs", o.epochs);
        o.learningRate = a.number<double>("lr", o.learningRate);
        o.trainSteps = a.number<int>("train_steps", o.trainSteps);
        o.clip = a.number<double>("clip", o.clip);
        o.seed = a.number<uint64_t>("seed", o.seed);
        o.validate();
        set.load.push_back(std::make_unique<LstmPredictor>(o));
    } else if (auto token = tokenPredictor(a, shape)) {
        set.token.push_back(std::move(token));
    } else {
        throw Error("unknown predictor '" + n + "'; known: " + predictorHelp());
    }
    a.finish();
}

std::string predictorHelp() {
    return "oracle, last, ema[:alpha=0.1], sw_avg[:window=100], "
           "arima[:p=5,d=1,q=5,history=200,refit=50,max_iterations=50,refit_iterations=10], "
           "lstm[:hidden=64,layers=1,window=32,epochs=20,lr=0.003,clip=1,train_steps=500,seed=1], "
           "dist_only[:profile_steps=100 | :profile=LOADS.csv | "
           ":table[=PATH],dataset=D,category=C,phase=think|answer], "
           "t2e_freq[:decay=1], t2e_position[:decay=1], t2e_token[:decay=1], "
           "t2e_ngram[:n=2,decay=1], "
           "t2e_ffn[:hidden1=128,hidden2=64,lr=0.001,batch=256,epochs=1,seed=1,hard=0,linear=0 "
           "(1: a linear path beside the hidden layers),replay=0 (earlier steps trained on "
           "again with each new one)], "
           "pregate[:t2e_ffn's keys,routing=0 (1: also feed the layer before's experts),decay=1,"
           "first_n=2 (layer 0's token-context table: its decay and ids per key),blend=0 (its "
           "share in later layers' loads),first_inputs=3 (N: layer 0 by a network on the model "
           "inputs of the token and N-1 before it, where carried (train:); 0 = the table "
           "alone),first_blend=0.3 (the table's share there),nets=1 (networks per layer, averaged),"
           "correct=0 (weight of the newest step in the running error added back)], "
           "affinity[:decay=0.98], seq_history[:window=32]";
}

}  // namespace moe
