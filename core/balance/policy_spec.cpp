// See policy_spec.h.
#include "core/balance/policy_spec.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "core/common/error.h"

namespace moe {
namespace {

std::string joined(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s.empty() ? "(none)" : s;
}

std::string shortNumber(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

}  // namespace

PolicySpec PolicySpec::parse(const std::string& spec) {
    PolicySpec p;
    p.text_ = spec;
    const auto colon = spec.find(':');
    p.name_ = spec.substr(0, colon);
    if (p.name_.empty()) throw Error("empty policy name in '" + spec + "'");
    if (colon == std::string::npos) return p;
    const std::string rest = spec.substr(colon + 1);
    size_t pos = 0;
    while (pos <= rest.size()) {
        const size_t comma = std::min(rest.find(',', pos), rest.size());
        const std::string pair = rest.substr(pos, comma - pos);
        const auto eq = pair.find('=');
        if (eq == std::string::npos || eq == 0)
            throw Error("bad option '" + pair + "' in '" + spec + "' (expected key=value)");
        const std::string key = pair.substr(0, eq);
        if (!p.values_.emplace(key, pair.substr(eq + 1)).second)
            throw Error("option '" + key + "' given twice in '" + spec + "'");
        pos = comma + 1;
    }
    return p;
}

void PolicySpec::allowOnly(const std::vector<std::string>& known) const {
    for (const auto& [key, value] : values_) {
        bool ok = false;
        for (const auto& k : known) ok |= k == key;
        if (!ok)
            throw Error("unknown option '" + key + "' for " + name_ + " (known: " + joined(known) +
                        ")");
    }
}

int PolicySpec::integer(const std::string& key, int fallback, int min, int max) const {
    const auto it = values_.find(key);
    if (it == values_.end()) return fallback;
    const std::string& s = it->second;
    int v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || v < min || v > max)
        throw Error(name_ + ": " + key + "=" + s + " must be an integer in " + std::to_string(min) +
                    ".." + std::to_string(max));
    return v;
}

double PolicySpec::number(const std::string& key, double fallback, double min, double max) const {
    const auto it = values_.find(key);
    if (it == values_.end()) return fallback;
    const std::string& s = it->second;
    double v = 0;
    size_t used = 0;
    try {
        v = std::stod(s, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != s.size() || !std::isfinite(v) || v < min || v > max)
        throw Error(name_ + ": " + key + "=" + s + " must be a number" +
                    (max >= 1e300 ? " >= " + shortNumber(min)
                                  : " in [" + shortNumber(min) + ", " + shortNumber(max) + "]"));
    return v;
}

std::string PolicySpec::choice(const std::string& key, const std::string& fallback,
                               const std::vector<std::string>& choices) const {
    const auto it = values_.find(key);
    if (it == values_.end()) return fallback;
    for (const auto& c : choices)
        if (c == it->second) return c;
    throw Error(name_ + ": " + key + "=" + it->second + " must be one of " + joined(choices));
}

}  // namespace moe
