// See json_lines.h. The file is mapped, lines are found with memchr and each is handed to the
// parser in place: simdjson may read up to SIMDJSON_PADDING bytes past a line's end, which the
// mapping holds for every line but those at the very end, parsed from a padded copy. (A padded
// copy of the whole file cost more than the parse: fresh memory is faulted in page by page.)
#include "core/imports/json_lines.h"

#include <algorithm>
#include <cstring>
#include <exception>
#include <vector>

#include "core/common/error.h"
#include "core/imports/import_threads.h"
#include "core/imports/mapped_file.h"

namespace moe {

void JsonLine::fail(const std::string& problem) const {
    throw Error::inFile(file, number, problem);
}

namespace {

bool blank(const char* p, size_t n) {
    for (size_t i = 0; i < n; ++i)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r') return false;
    return true;
}

// Every non-blank line of [p, end) to `each`, numbered from `first`; `file` is the whole
// mapping (how far past a line the parser may read).
void parseLines(const std::string& path, std::string_view file, const char* p, const char* end,
                int64_t first,
                const std::function<void(simdjson::ondemand::object&, const JsonLine&)>& each) {
    simdjson::ondemand::parser parser;
    simdjson::padded_string tail;  // a line too near the end of the mapping, copied
    const char* const fileEnd = file.data() + file.size();
    JsonLine line{path, first - 1};
    while (p < end) {
        const char* eol = static_cast<const char*>(std::memchr(p, '\n', end - p));
        if (!eol) eol = end;
        ++line.number;
        const size_t n = static_cast<size_t>(eol - p);
        if (!blank(p, n)) {
            try {
                simdjson::ondemand::document doc;
                if (static_cast<size_t>(fileEnd - p) >= n + simdjson::SIMDJSON_PADDING) {
                    doc = parser.iterate(p, n, static_cast<size_t>(fileEnd - p));
                } else {
                    tail = simdjson::padded_string(p, n);
                    doc = parser.iterate(tail);
                }
                simdjson::ondemand::object object;
                if (doc.get_object().get(object)) line.fail("not a JSON object");
                each(object, line);
            } catch (const simdjson::simdjson_error& e) {
                line.fail(std::string("not valid JSON (") + e.what() + ")");
            }
        }
        p = eol + 1;
    }
}

// Where each piece starts: the file cut into `n` near-equal parts, each cut moved to just
// after a line end (pieces may come out empty). n + 1 offsets, the last the file's size.
std::vector<size_t> pieceStarts(std::string_view file, int n) {
    std::vector<size_t> starts{0};
    for (int i = 1; i < n; ++i) {
        size_t at = std::max(starts.back(), file.size() / n * i);
        const size_t eol = file.find('\n', at);
        starts.push_back(eol == std::string_view::npos ? file.size() : eol + 1);
    }
    starts.push_back(file.size());
    return starts;
}

}  // namespace

void forEachJsonLine(
    const std::string& path,
    const std::function<void(simdjson::ondemand::object&, const JsonLine&)>& each) {
    const MappedFile file(path);
    const std::string_view bytes = file.bytes();
    parseLines(path, bytes, bytes.data(), bytes.data() + bytes.size(), 1, each);
}

int forEachJsonLineInPieces(
    const std::string& path, const std::function<void(int)>& prepare,
    const std::function<void(int, simdjson::ondemand::object&, const JsonLine&)>& each,
    const std::function<void(int)>& merge) {
    const MappedFile file(path);
    const std::string_view bytes = file.bytes();
    const int n = imports::threadsFor(bytes.size());
    prepare(n);
    const std::vector<size_t> starts = pieceStarts(bytes, n);
    // Each piece's first line number: its newlines counted on its own thread first.
    std::vector<int64_t> firstLine(static_cast<size_t>(n) + 1, 1);
    imports::onEachPiece(n, [&](int i) {
        int64_t lines = 0;
        const char* p = bytes.data() + starts[i];
        const char* const end = bytes.data() + starts[i + 1];
        while (p < end && (p = static_cast<const char*>(std::memchr(p, '\n', end - p)))) {
            ++lines;
            ++p;
        }
        firstLine[i + 1] = lines;
    });
    for (int i = 0; i < n; ++i) firstLine[i + 1] += firstLine[i];
    const std::vector<std::exception_ptr> errors = imports::runPieces(n, [&](int i) {
        parseLines(path, bytes, bytes.data() + starts[i], bytes.data() + starts[i + 1],
                   firstLine[i],
                   [&](simdjson::ondemand::object& o, const JsonLine& line) { each(i, o, line); });
    });
    for (int i = 0; i < n; ++i) {
        merge(i);
        if (errors[i]) std::rethrow_exception(errors[i]);
    }
    return n;
}

int64_t jsonInteger(simdjson::ondemand::value v, const JsonLine& line, const char* what) {
    int64_t out = 0;
    if (v.get_int64().get(out)) line.fail(std::string("'") + what + "' is not a whole number");
    return out;
}

}  // namespace moe
