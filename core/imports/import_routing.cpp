// See import_routing.h. A folder stands for the per-rank files in it (sorted by name). The
// first file's content picks the reader: cheap checks of magic bytes and first lines, the
// torch.save archive last since it is the only one that must be opened to tell.
#include "core/imports/import_routing.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/common/error.h"
#include "core/common/input_file.h"
#include "core/common/output_file.h"
#include "core/imports/array_dump.h"
#include "core/imports/binary_util.h"
#include "core/imports/megatron_dump.h"
#include "core/imports/npy_file.h"
#include "core/imports/response_dump.h"
#include "core/imports/safetensors_file.h"
#include "core/imports/sglang_csv.h"
#include "core/imports/sglang_dump.h"
#include "core/stats/load_matrix.h"
#include "core/stats/loads_csv_writer.h"
#include "core/workload/trace_shape.h"

namespace moe {

namespace {

std::vector<std::string> expandFolders(const std::vector<std::string>& paths) {
    std::vector<std::string> files;
    for (const std::string& path : paths) {
        if (!std::filesystem::is_directory(path)) {
            requireRegularFile(path, "recording");
            files.push_back(path);
            continue;
        }
        std::vector<std::string> inside;
        for (const auto& entry : std::filesystem::directory_iterator(path))
            if (entry.is_regular_file()) inside.push_back(entry.path().string());
        if (inside.empty()) throw Error(path + ": an empty folder");
        std::sort(inside.begin(), inside.end());
        files.insert(files.end(), inside.begin(), inside.end());
    }
    return files;
}

}  // namespace

bool isKnownRecording(const std::string& path) {
    if (std::filesystem::is_directory(path)) return true;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return false;  // never open a FIFO to look
    return imports::isZipFile(path) || isNpyFile(path) || isSafetensorsFile(path) ||
           megatronRecordKind(path) != MegatronRecord::None || isResponseDump(path) ||
           isSglangCsv(path);
}

ImportedRouting importRouting(const std::vector<std::string>& paths, int topK) {
    const std::vector<std::string> files = expandFolders(paths);
    if (files.empty()) throw Error("import: no files given");
    if (isNpyFile(files.front()) || isSafetensorsFile(files.front()))
        return readArrayDump(files, topK);
    if (megatronRecordKind(files.front()) != MegatronRecord::None) return readMegatronDump(files);
    if (isResponseDump(files.front())) return readResponseDump(files, topK);
    if (isSglangCsv(files.front())) return readSglangCsv(files);
    if (!imports::isZipFile(files.front()))
        throw Error(
            files.front() +
            ": not a recording this workbench knows (SGLang's torch.save dumps, "
            "SGLang's older per-rank CSV, Megatron-Core's router trace or tokens-per-expert "
            "JSON lines, SGLang's or "
            "vLLM's responses with routed_experts, .npy routed experts or router "
            "logits)");
    const TorchFile first(files.front());
    if (isSglangDump(first)) return readSglangDump(files);
    throw Error(files.front() +
                ": a torch.save file, but not one this workbench knows (SGLang's recorder "
                "writes a dict with logical_count or records)");
}

void writeImportedLoads(const ImportedRouting& r, const std::string& path) {
    const int L = static_cast<int>(r.layers.size());
    LoadsCsvWriter out(path);
    LoadMatrix m(L, r.experts);
    const auto steps = r.loadsPerStep();
    for (size_t s = 0; s < steps.size(); ++s) {
        for (int l = 0; l < L; ++l)
            for (int e = 0; e < r.experts; ++e) m.at(l, e) = steps[s][l * r.experts + e];
        out.write(static_cast<int64_t>(s), m);
    }
    out.close();
}

void writeLogicalCountJson(const ImportedRouting& r, const std::string& path) {
    const size_t E = static_cast<size_t>(r.experts);
    nlohmann::json steps = nlohmann::json::array();
    for (const auto& loads : r.loadsPerStep()) {
        nlohmann::json layers = nlohmann::json::array();
        for (size_t l = 0; l < r.layers.size(); ++l)
            layers.push_back(
                std::vector<int64_t>(loads.begin() + l * E, loads.begin() + (l + 1) * E));
        steps.push_back(std::move(layers));
    }
    writeOutputFile(path, nlohmann::json{{"logical_count", steps}}.dump() + "\n");
}

std::string describeImport(const ImportedRouting& r) {
    std::ostringstream o;
    o << "format: " << r.format << "\nfiles:";
    for (const std::string& f : r.files) o << ' ' << f;
    o << "\nlayers: " << r.layers.size() << " (the dump's layers";
    for (int l : r.layers) o << ' ' << l;
    o << ")\nexperts: " << r.experts
      << "\ntop-k: " << (r.perToken() ? std::to_string(r.topK) : std::string("- (counts only)"))
      << "\nsteps: " << r.steps();
    if (r.perToken()) o << "\ntokens: " << r.tokens.size();
    for (const std::string& n : r.notes) o << "\nnote: " << n;
    o << '\n';
    return o.str();
}

}  // namespace moe
