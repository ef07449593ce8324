// Corpus lookup mirrors resolveTraceName (workload_factory.cpp): the product runs on the bundled
// copy, development checkouts with ../shared pick up the complete corpus automatically.
#include "core/train/text_corpus.h"

#include <cstdlib>
#include <filesystem>
#include <set>
#include <span>

#include "core/common/error.h"
#include "core/workload/chunked_gzip_reader.h"

#ifndef MOE_SOURCE_DIR
#define MOE_SOURCE_DIR "."
#endif

namespace moe::train {
namespace fs = std::filesystem;

namespace {
constexpr const char* kKnownCorpora[] = {"python-docs"};

bool isDir(const fs::path& p) {
    std::error_code ec;
    return fs::is_directory(p, ec);
}
bool isFile(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec);
}
// "tutorial.txt.gz" -> "tutorial"
std::string sectionName(const fs::path& p) {
    std::string n = p.filename().string();
    for (const char* ext : {".gz", ".txt"})
        if (n.size() > std::string(ext).size() && n.ends_with(ext))
            n.resize(n.size() - std::string(ext).size());
    return n;
}
}  // namespace

TextCorpus::TextCorpus(const std::string& corpus, double validationFraction)
    : spec_(corpus), validationFraction_(validationFraction) {
    if (!(validationFraction > 0 && validationFraction < 1))
        throw Error("corpus: the validation fraction must be between 0 and 1");
    for (const char* known : kKnownCorpora) {
        if (corpus != known) continue;
        if (const char* dataDir = std::getenv("MOE_DATA_DIR"); dataDir && *dataDir)
            folders_.push_back((fs::path(dataDir) / "corpus" / known).string());
        const fs::path source(MOE_SOURCE_DIR);
        folders_.push_back(
            (source / ".." / "shared" / "data" / "corpus" / known).lexically_normal().string());
        folders_.push_back((source / "data" / "corpus" / known).lexically_normal().string());
        return;
    }
    if (isDir(corpus)) {
        folders_.push_back(corpus);
    } else if (isFile(corpus)) {
        single_ = sectionName(corpus);
        singlePath_ = corpus;
    } else {
        throw Error("corpus '" + corpus +
                    "': no such file or folder, and not a known corpus name (known: python-docs)");
    }
}

std::string TextCorpus::findFile(const std::string& name) const {
    if (!single_.empty()) {
        if (name == single_) return singlePath_;
        throw Error("corpus " + singlePath_ + " is a single file with section '" + single_ +
                    "', not '" + name + "'");
    }
    std::string looked;
    for (const auto& folder : folders_)
        for (const char* ext : {".txt.gz", ".txt"}) {
            const fs::path p = fs::path(folder) / (name + ext);
            if (isFile(p)) return p.string();
            looked += "\n  " + p.string();
        }
    std::string known;
    for (const auto& s : available()) known += (known.empty() ? "" : ", ") + s;
    throw Error("corpus '" + spec_ + "' has no section '" + name + "'; looked for:" + looked +
                "\n(sections found: " + (known.empty() ? "none" : known) + ")");
}

std::vector<std::string> TextCorpus::available() const {
    if (!single_.empty()) return {single_};
    std::set<std::string> names;
    for (const auto& folder : folders_) {
        if (!isDir(folder)) continue;
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(folder, ec)) {
            const std::string f = entry.path().filename().string();
            if (f.ends_with(".txt.gz") || f.ends_with(".txt"))
                names.insert(sectionName(entry.path()));
        }
    }
    return {names.begin(), names.end()};
}

const CorpusSection& TextCorpus::section(const std::string& name, size_t minBytes) {
    if (auto it = loaded_.find(name); it != loaded_.end()) return it->second;
    CorpusSection s;
    s.name = name;
    s.path = findFile(name);
    ChunkedGzipReader reader(s.path);
    std::span<const char> chunk;
    int64_t line = 1;
    while (reader.nextChunk(chunk, line)) {
        s.text.append(chunk.data(), chunk.size());
        for (char c : chunk) line += (c == '\n');
    }
    const size_t validation =
        static_cast<size_t>(static_cast<double>(s.text.size()) * validationFraction_);
    s.trainBytes = s.text.size() - validation;
    if (validation < minBytes || s.trainBytes < minBytes)
        throw Error::inFile(s.path, 0,
                            "section '" + name + "' has " + std::to_string(s.text.size()) +
                                " bytes, too few: training and validation parts need at least " +
                                std::to_string(minBytes) + " bytes each");
    return loaded_.emplace(name, std::move(s)).first->second;
}

}  // namespace moe::train
