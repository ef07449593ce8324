// See run_exporter.h. Written with stdio and a large buffer, like LoadsCsvWriter: a million
// steps of 24 x 32 loads is ~10^9 bytes of text, and formatting dominates.
#include "core/store/run_exporter.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/common/error.h"

namespace moe::store {
namespace {

std::string jsonString(const std::string& s) { return nlohmann::json(s).dump(); }

// JSON has no NaN or infinity; an undefined error (e.g. relative error of an all-zero step)
// is written as null.
void real(std::FILE* f, double v) {
    if (std::isfinite(v))
        std::fprintf(f, "%.17g", v);
    else
        std::fputs("null", f);
}

std::string csvField(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

template <typename T>
void list(std::FILE* f, const T* v, size_t n, const char* sep, const char* open = "",
          const char* close = "") {
    std::fputs(open, f);
    for (size_t i = 0; i < n; ++i) {
        if (i) std::fputs(sep, f);
        if constexpr (std::is_floating_point_v<T>)
            real(f, v[i]);
        else
            std::fprintf(f, "%lld", static_cast<long long>(v[i]));
    }
    std::fputs(close, f);
}

int64_t loads(RunReader& r, ExportFormat fmt, std::FILE* f) {
    const int L = r.run().layers, E = r.run().experts;
    int64_t n = 0;
    if (fmt == ExportFormat::Csv)
        std::fputs("step,layer,expert,tokens\n", f);
    else
        std::fprintf(f, "{\"run\": %lld, \"layers\": %d, \"experts\": %d, \"steps\": [",
                     static_cast<long long>(r.run().id), L, E);
    r.forEachStep([&](const StepTelemetry& t) {
        if (fmt == ExportFormat::Csv) {
            for (int l = 0; l < L; ++l)
                for (int e = 0; e < E; ++e)
                    std::fprintf(f, "%lld,%d,%d,%lld\n", static_cast<long long>(t.step), l, e,
                                 static_cast<long long>(t.loads.at(l, e)));
            n += static_cast<int64_t>(L) * E;
            return;
        }
        std::fprintf(f, "%s\n  {\"step\": %lld, \"tokens\": %d, \"loads\": [", n ? "," : "",
                     static_cast<long long>(t.step), t.tokens);
        for (int l = 0; l < L; ++l) list(f, t.loads.layer(l).data(), E, ", ", l ? ", [" : "[", "]");
        std::fputs("], \"dropped\": ", f);
        list(f, t.dropped.data(), t.dropped.size(), ", ", "[", "]}");
        ++n;
    });
    if (fmt == ExportFormat::Json) std::fputs("\n]}\n", f);
    return n;
}

int64_t ranks(RunReader& r, ExportFormat fmt, std::FILE* f) {
    const int L = r.run().layers, G = r.run().ranks;
    int64_t n = 0;
    if (fmt == ExportFormat::Csv)
        std::fputs("step,layer,rank,rows,busy_seconds\n", f);
    else
        std::fprintf(f, "{\"run\": %lld, \"layers\": %d, \"ranks\": %d, \"steps\": [",
                     static_cast<long long>(r.run().id), L, G);
    r.forEachStep([&](const StepTelemetry& t) {
        if (fmt == ExportFormat::Csv) {
            for (int l = 0; l < L; ++l)
                for (int g = 0; g < G; ++g)
                    std::fprintf(f, "%lld,%d,%d,%lld,%.9g\n", static_cast<long long>(t.step), l, g,
                                 static_cast<long long>(t.rankRowsAt(l, g)), t.busyAt(l, g));
            n += static_cast<int64_t>(L) * G;
            return;
        }
        std::fprintf(f, "%s\n  {\"step\": %lld, \"wall_seconds\": ", n ? "," : "",
                     static_cast<long long>(t.step));
        real(f, t.wallSeconds);
        std::fputs(", \"rows\": [", f);
        for (int l = 0; l < L; ++l)
            list(f, &t.rankRows[static_cast<size_t>(l) * G], G, ", ", l ? ", [" : "[", "]");
        std::fputs("], \"busy_seconds\": [", f);
        for (int l = 0; l < L; ++l)
            list(f, &t.rankBusySeconds[static_cast<size_t>(l) * G], G, ", ", l ? ", [" : "[", "]");
        std::fputs("]}", f);
        ++n;
    });
    if (fmt == ExportFormat::Json) std::fputs("\n]}\n", f);
    return n;
}

int64_t predictions(RunReader& r, ExportFormat fmt, std::FILE* f) {
    int64_t n = 0;
    if (fmt == ExportFormat::Csv)
        std::fputs(
            "predictor,horizon,layer,step,relative_error,absolute_error,gps_error,"
            "max_expert_error,shares\n",
            f);
    else
        std::fprintf(f, "{\"run\": %lld, \"predictions\": [", static_cast<long long>(r.run().id));
    r.forEachPrediction([&](const PredictionRecord& p) {
        if (fmt == ExportFormat::Csv) {
            std::fprintf(f, "%s,%d,%d,%lld,%.9g,%.9g,%.9g,%.9g,", csvField(p.predictor).c_str(),
                         p.horizon, p.layer, static_cast<long long>(p.step), p.relativeError,
                         p.absoluteError, p.gpsError, p.maxExpertError);
            list(f, p.shares.data(), p.shares.size(), " ", "", "\n");
        } else {
            std::fprintf(f,
                         "%s\n  {\"predictor\": %s, \"horizon\": %d, \"layer\": %d, \"step\": %lld",
                         n ? "," : "", jsonString(p.predictor).c_str(), p.horizon, p.layer,
                         static_cast<long long>(p.step));
            const std::pair<const char*, double> errors[] = {
                {"relative_error", p.relativeError},
                {"absolute_error", p.absoluteError},
                {"gps_error", p.gpsError},
                {"max_expert_error", p.maxExpertError}};
            for (const auto& [key, v] : errors) {
                std::fprintf(f, ", \"%s\": ", key);
                real(f, v);
            }
            std::fputs(", \"shares\": ", f);
            if (p.shares.empty())
                std::fputs("null}", f);
            else
                list(f, p.shares.data(), p.shares.size(), ", ", "[", "]}");
        }
        ++n;
    });
    if (fmt == ExportFormat::Json) std::fputs("\n]}\n", f);
    return n;
}

int64_t decisions(RunReader& r, ExportFormat fmt, std::FILE* f) {
    int64_t n = 0;
    if (fmt == ExportFormat::Csv)
        std::fputs(
            "step,layer,policy,balancedness_before,balancedness_after,moved_experts,"
            "moved_bytes,replicas,slot_ranks\n",
            f);
    else
        std::fprintf(f, "{\"run\": %lld, \"decisions\": [", static_cast<long long>(r.run().id));
    r.forEachDecision([&](const DecisionRecord& d) {
        if (fmt == ExportFormat::Csv) {
            std::fprintf(f, "%lld,%d,%s,%.9g,%.9g,%lld,%lld,", static_cast<long long>(d.step),
                         d.layer, csvField(d.policy).c_str(), d.balancednessBefore,
                         d.balancednessAfter, static_cast<long long>(d.movedExperts),
                         static_cast<long long>(d.movedBytes));
            list(f, d.replicas.data(), d.replicas.size(), " ", "", ",");
            list(f, d.slotRanks.data(), d.slotRanks.size(), " ", "", "\n");
        } else {
            std::fprintf(f, "%s\n  {\"step\": %lld, \"layer\": %d, \"policy\": %s, ", n ? "," : "",
                         static_cast<long long>(d.step), d.layer, jsonString(d.policy).c_str());
            std::fputs("\"balancedness_before\": ", f);
            real(f, d.balancednessBefore);
            std::fputs(", \"balancedness_after\": ", f);
            real(f, d.balancednessAfter);
            std::fprintf(f, ", \"moved_experts\": %lld, \"moved_bytes\": %lld, \"replicas\": ",
                         static_cast<long long>(d.movedExperts),
                         static_cast<long long>(d.movedBytes));
            list(f, d.replicas.data(), d.replicas.size(), ", ", "[", "]");
            std::fputs(", \"slot_ranks\": ", f);
            list(f, d.slotRanks.data(), d.slotRanks.size(), ", ", "[", "]}");
        }
        ++n;
    });
    if (fmt == ExportFormat::Json) std::fputs("\n]}\n", f);
    return n;
}

}  // namespace

ExportWhat parseExportWhat(const std::string& name) {
    if (name == "loads") return ExportWhat::Loads;
    if (name == "ranks") return ExportWhat::Ranks;
    if (name == "predictions") return ExportWhat::Predictions;
    if (name == "decisions") return ExportWhat::Decisions;
    throw Error("cannot export '" + name + "' (expected loads, ranks, predictions or decisions)");
}

ExportFormat parseExportFormat(const std::string& name) {
    if (name == "csv") return ExportFormat::Csv;
    if (name == "json") return ExportFormat::Json;
    throw Error("unknown export format '" + name + "' (expected csv or json)");
}

int64_t exportRun(RunReader& reader, ExportWhat what, ExportFormat format, std::FILE* out,
                  const std::string& outName) {
    int64_t n = 0;
    switch (what) {
        case ExportWhat::Loads:
            n = loads(reader, format, out);
            break;
        case ExportWhat::Ranks:
            n = ranks(reader, format, out);
            break;
        case ExportWhat::Predictions:
            n = predictions(reader, format, out);
            break;
        case ExportWhat::Decisions:
            n = decisions(reader, format, out);
            break;
    }
    if (std::fflush(out) != 0 || std::ferror(out))
        throw Error::inFile(outName, 0, std::string("write failed: ") + std::strerror(errno));
    return n;
}

}  // namespace moe::store
