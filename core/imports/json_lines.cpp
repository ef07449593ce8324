// See json_lines.h. Lines are found with memchr and each handed to the parser in place: the
// padded file buffer guarantees the bytes simdjson may read past a line's end.
#include "core/imports/json_lines.h"

#include <cstring>

#include "core/common/error.h"

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
    simdjson::padded_string text;
    if (simdjson::padded_string::load(path).get(text)) throw Error(path + ": cannot be read");
    simdjson::ondemand::parser parser;
    JsonLine line{path, 0};
    const char* p = text.data();
    const char* end = p + text.size();
    while (p < end) {
        const char* eol = static_cast<const char*>(std::memchr(p, '\n', end - p));
        if (!eol) eol = end;
        ++line.number;
        const size_t n = static_cast<size_t>(eol - p);
        if (!blank(p, n)) {
            try {
                const size_t room = static_cast<size_t>(end - p) + simdjson::SIMDJSON_PADDING;
                simdjson::ondemand::document doc = parser.iterate(p, n, room);
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
