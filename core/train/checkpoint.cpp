// Little-endian, fixed-width fields; every read is bounds-checked so a truncated or damaged
// file gives a message with the byte offset instead of garbage weights.
#include "core/train/checkpoint.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/common/error.h"
#include "core/common/resource_limits.h"

namespace moe::train {
namespace {
constexpr char kMagic[8] = {'M', 'O', 'E', 'W', 'B', 'C', 'K', 'P'};
constexpr char kEnd[8] = {'M', 'O', 'E', 'W', 'B', 'E', 'N', 'D'};
constexpr uint64_t kMaxCount = limits::kCheckpointLength;  // sanity bound on any stored length

class Writer {
public:
    explicit Writer(std::ostream& out) : out_(out) {}
    void bytes(const void* p, size_t n) { out_.write(static_cast<const char*>(p), n); }
    template <typename T>
    void value(T v) {
        bytes(&v, sizeof v);
    }
    void text(const std::string& s) {
        value<uint64_t>(s.size());
        bytes(s.data(), s.size());
    }
    void floats(const std::vector<float>& v) {
        value<uint64_t>(v.size());
        bytes(v.data(), v.size() * sizeof(float));
    }

private:
    std::ostream& out_;
};

class Reader {
public:
    Reader(const std::string& path, std::string data) : path_(path), data_(std::move(data)) {}
    void bytes(void* p, size_t n, const char* what) {
        if (data_.size() - pos_ < n)
            throw Error::inFile(path_, 0,
                                "checkpoint truncated: " + std::to_string(data_.size()) +
                                    " bytes, ended while reading " + what + " at byte " +
                                    std::to_string(pos_));
        if (n == 0) return;  // an empty array's data() may be null, which memcpy must not see
        std::memcpy(p, data_.data() + pos_, n);
        pos_ += n;
    }
    template <typename T>
    T value(const char* what) {
        T v;
        bytes(&v, sizeof v, what);
        return v;
    }
    // A stored length of items of `itemBytes` each. Checked against the bytes left in the
    // file before the caller allocates: a damaged length field (2^33, say) must not become a
    // 32 GB allocation.
    uint64_t count(const char* what, uint64_t itemBytes) {
        const uint64_t n = value<uint64_t>(what);
        const uint64_t left = data_.size() - pos_;
        if (n > kMaxCount)
            throw Error::inFile(path_, 0,
                                std::string("checkpoint damaged: impossible length of ") + what +
                                    " at byte " + std::to_string(pos_ - 8));
        if (n * itemBytes > left)
            throw Error::inFile(path_, 0,
                                std::string("checkpoint truncated or damaged: ") + what +
                                    " of length " + std::to_string(n) + " at byte " +
                                    std::to_string(pos_ - 8) + " needs " +
                                    std::to_string(n * itemBytes) + " bytes, " +
                                    std::to_string(left) + " are left");
        return n;
    }
    std::string text(const char* what) {
        std::string s(count(what, 1), '\0');
        bytes(s.data(), s.size(), what);
        return s;
    }
    std::vector<float> floats(const char* what) {
        std::vector<float> v(count(what, sizeof(float)));
        bytes(v.data(), v.size() * sizeof(float), what);
        return v;
    }
    size_t position() const { return pos_; }
    size_t size() const { return data_.size(); }

private:
    std::string path_;
    std::string data_;
    size_t pos_ = 0;
};
}  // namespace

std::string describeModel(const LmConfig& c) {
    std::ostringstream s;
    s << "vocab=" << c.vocab << ",context=" << c.context << ",width=" << c.width
      << ",blocks=" << c.blocks << ",heads=" << c.heads << ",experts=" << c.experts
      << ",top_k=" << c.topK << ",ffn=" << c.ffn << ",score=" << toString(c.score)
      << ",renormalize=" << (c.renormalize ? 1 : 0) << ",capacity=" << c.capacityFactor;
    if (c.pregated) s << ",pregated=1";  // absent in older headers: not pre-gated
    return s.str();
}

LmConfig parseModelDescription(const std::string& text, const std::string& path) {
    LmConfig c;
    std::istringstream in(text);
    std::string entry;
    while (std::getline(in, entry, ',')) {
        const size_t eq = entry.find('=');
        if (eq == std::string::npos)
            throw Error::inFile(path, 0, "checkpoint header damaged: '" + entry + "'");
        const std::string key = entry.substr(0, eq), v = entry.substr(eq + 1);
        try {
            if (key == "vocab")
                c.vocab = std::stoi(v);
            else if (key == "context")
                c.context = std::stoi(v);
            else if (key == "width")
                c.width = std::stoi(v);
            else if (key == "blocks")
                c.blocks = std::stoi(v);
            else if (key == "heads")
                c.heads = std::stoi(v);
            else if (key == "experts")
                c.experts = std::stoi(v);
            else if (key == "top_k")
                c.topK = std::stoi(v);
            else if (key == "ffn")
                c.ffn = std::stoi(v);
            else if (key == "score")
                c.score = parseScoreFunction(v);
            else if (key == "renormalize")
                c.renormalize = v == "1";
            else if (key == "capacity")
                c.capacityFactor = std::stod(v);
            else if (key == "pregated")
                c.pregated = v == "1";
            else
                throw Error::inFile(path, 0, "checkpoint header has unknown key '" + key + "'");
        } catch (const std::logic_error&) {
            throw Error::inFile(path, 0, "checkpoint header: bad value in '" + entry + "'");
        }
    }
    try {
        c.validate();
    } catch (const Error& e) {
        throw Error::inFile(path, 0, std::string("checkpoint header: ") + e.what());
    }
    return c;
}

// Values a sound training state never holds: read back, a run would go on from them with a NaN
// loss (a step of -1 did); about to be written, they would replace a good checkpoint with one
// that cannot be resumed. `problem` starts the message ("checkpoint damaged: ").
void checkTrainingState(const std::string& path, const CheckpointData& d,
                        const std::string& problem) {
    const auto damaged = [&](const std::string& what) {
        throw Error::inFile(path, 0, problem + what);
    };
    if (d.step < 0) damaged("the step is " + std::to_string(d.step));
    if (d.optimizerSteps < 0) damaged("the optimizer step is " + std::to_string(d.optimizerSteps));
    const auto finite = [](const std::vector<float>& v) {
        return std::all_of(v.begin(), v.end(), [](float x) { return std::isfinite(x); });
    };
    for (size_t i = 0; i < d.names.size(); ++i) {
        if (!finite(d.values[i]) || !finite(d.m[i]) || !finite(d.v[i]))
            damaged("parameter " + d.names[i] + " holds a NaN or infinite value");
        if (std::any_of(d.v[i].begin(), d.v[i].end(), [](float x) { return x < 0; }))
            damaged("parameter " + d.names[i] + " has a negative second moment");
    }
    for (const auto& b : d.bias)
        if (!finite(b)) damaged("a selection bias is NaN or infinite");
}

void writeCheckpoint(const std::string& path, const CheckpointData& d) {
    checkTrainingState(path, d, "checkpoint not saved (the one there, if any, is kept): ");
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) throw Error::inFile(path, 0, "cannot write the checkpoint (" + tmp + ")");
        Writer w(out);
        w.bytes(kMagic, sizeof kMagic);
        w.value<uint32_t>(kCheckpointVersion);
        w.text(describeModel(d.model));
        w.text(d.sections);
        w.value<int64_t>(d.step);
        w.value<uint64_t>(d.samplerState);
        w.value<int64_t>(d.optimizerSteps);
        w.value<uint64_t>(d.names.size());
        for (size_t i = 0; i < d.names.size(); ++i) {
            w.text(d.names[i]);
            w.floats(d.values[i]);
            w.floats(d.m[i]);
            w.floats(d.v[i]);
        }
        w.value<uint64_t>(d.bias.size());
        for (const auto& b : d.bias) w.floats(b);
        w.bytes(kEnd, sizeof kEnd);
        out.flush();
        if (!out) throw Error::inFile(path, 0, "writing the checkpoint failed (disk full?)");
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) throw Error::inFile(path, 0, "cannot move the checkpoint in place: " + ec.message());
}

CheckpointData readCheckpoint(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error::inFile(path, 0, "cannot open the checkpoint");
    std::ostringstream all;
    all << in.rdbuf();
    Reader r(path, all.str());
    char magic[8] = {};
    if (r.size() < sizeof magic)
        throw Error::inFile(path, 0, "not a MoE Workbench checkpoint (file too short)");
    r.bytes(magic, sizeof magic, "the magic");
    if (std::memcmp(magic, kMagic, sizeof magic) != 0)
        throw Error::inFile(path, 0, "not a MoE Workbench checkpoint (bad magic bytes)");
    const uint32_t version = r.value<uint32_t>("the version");
    if (version != kCheckpointVersion)
        throw Error::inFile(path, 0,
                            "checkpoint format version " + std::to_string(version) +
                                "; this build reads version " + std::to_string(kCheckpointVersion));
    CheckpointData d;
    d.model = parseModelDescription(r.text("the header"), path);
    d.sections = r.text("the sections");
    d.step = r.value<int64_t>("the step");
    d.samplerState = r.value<uint64_t>("the sampler state");
    d.optimizerSteps = r.value<int64_t>("the optimizer step");
    const uint64_t params = r.count("the parameter count", 32);  // 4 lengths per parameter
    for (uint64_t i = 0; i < params; ++i) {
        d.names.push_back(r.text("a parameter name"));
        d.values.push_back(r.floats("parameter values"));
        d.m.push_back(r.floats("first moments"));
        d.v.push_back(r.floats("second moments"));
        if (d.m.back().size() != d.values.back().size() ||
            d.v.back().size() != d.values.back().size())
            throw Error::inFile(
                path, 0,
                "checkpoint damaged: moments of " + d.names.back() + " do not match its size");
    }
    const uint64_t blocks = r.count("the bias count", 8);
    for (uint64_t i = 0; i < blocks; ++i) d.bias.push_back(r.floats("selection biases"));
    char end[8] = {};
    r.bytes(end, sizeof end, "the end marker");
    if (std::memcmp(end, kEnd, sizeof end) != 0 || r.position() != r.size())
        throw Error::inFile(path, 0, "checkpoint damaged: no end marker where expected");
    checkTrainingState(path, d, "checkpoint damaged: ");
    return d;
}

}  // namespace moe::train
