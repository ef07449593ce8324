// A text corpus made of named sections (one file each, SECTION.txt.gz or SECTION.txt), read as
// bytes: the byte-level tokenizer of the language model is the identity on bytes, so a
// section's text is its token sequence. Each section is split once into a training part and a
// held-out tail that the model never trains on (the validation text).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace moe::train {

struct CorpusSection {
    std::string name;
    std::string path;
    std::string text;       // the whole section, bytes = token ids
    size_t trainBytes = 0;  // text[0, trainBytes) trains, the rest validates
};

class TextCorpus {
public:
    // `corpus`: a known name (python-docs: $MOE_DATA_DIR/corpus/NAME, then the shared data
    // beside the source tree, then data/corpus/NAME), a directory of section files, or one
    // section file. Nothing is read until a section is asked for.
    TextCorpus(const std::string& corpus, double validationFraction);

    // Loads on first use. Throws moe::Error naming the file when it is missing, unreadable,
    // not gzip although named .gz, corrupt, or too short to give `minBytes` to each part.
    const CorpusSection& section(const std::string& name, size_t minBytes);
    // Section names found in the searched folders (for messages and --help).
    std::vector<std::string> available() const;
    // The section a single-file corpus holds ("" for a folder or a named corpus).
    const std::string& singleSection() const { return single_; }
    const std::string& spec() const { return spec_; }

private:
    std::string findFile(const std::string& name) const;
    std::string spec_;
    double validationFraction_;
    std::vector<std::string> folders_;  // searched in order
    std::string single_, singlePath_;
    std::map<std::string, CorpusSection> loaded_;
};

// Byte-level tokenizer: token id = byte value (0..255), so the vocabulary is 256.
constexpr int kByteVocab = 256;
inline int32_t byteToken(char c) { return static_cast<int32_t>(static_cast<unsigned char>(c)); }

}  // namespace moe::train
