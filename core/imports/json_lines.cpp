// See json_lines.h. The file is mapped, lines are found with memchr and each is handed to the
// parser in place: simdjson may read up to SIMDJSON_PADDING bytes past a line's end, which the
// mapping holds for every line but those at the very end, parsed from a padded copy. (A padded
// copy of the whole file cost more than the parse: fresh memory is faulted in page by page.)
#include "core/imports/json_lines.h"

#include <cstring>

#include "core/common/error.h"
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

}  // namespace

void forEachJsonLine(
    const std::string& path,
    const std::function<void(simdjson::ondemand::object&, const JsonLine&)>& each) {
    const MappedFile file(path);
    simdjson::ondemand::parser parser;
    simdjson::padded_string tail;  // a line too near the end of the mapping, copied
    JsonLine line{path, 0};
    const char* p = file.bytes().data();
    const char* end = p + file.bytes().size();
    while (p < end) {
        const char* eol = static_cast<const char*>(std::memchr(p, '\n', end - p));
        if (!eol) eol = end;
        ++line.number;
        const size_t n = static_cast<size_t>(eol - p);
        if (!blank(p, n)) {
            try {
                simdjson::ondemand::document doc;
                if (static_cast<size_t>(end - p) >= n + simdjson::SIMDJSON_PADDING) {
                    doc = parser.iterate(p, n, static_cast<size_t>(end - p));
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

int64_t jsonInteger(simdjson::ondemand::value v, const JsonLine& line, const char* what) {
    int64_t out = 0;
    if (v.get_int64().get(out)) line.fail(std::string("'") + what + "' is not a whole number");
    return out;
}

}  // namespace moe
