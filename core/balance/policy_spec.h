// The "name:key=value,key=value" strings users type for policies (and the performance
// model), parsed with errors that name the bad part, so a typo never silently runs a default.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace moe {

class PolicySpec {
public:
    // Throws moe::Error on an empty name, a pair without '=', an empty or repeated key.
    static PolicySpec parse(const std::string& spec);

    const std::string& name() const { return name_; }
    const std::string& text() const { return text_; }
    bool has(const std::string& key) const { return values_.count(key) != 0; }
    // Throws when a key is not in `known`, listing the known ones.
    void allowOnly(const std::vector<std::string>& known) const;

    // Typed values with a default when the key is absent; throw on a bad value or range.
    int integer(const std::string& key, int fallback, int min, int max) const;
    double number(const std::string& key, double fallback, double min, double max) const;
    // One of `choices`.
    std::string choice(const std::string& key, const std::string& fallback,
                       const std::vector<std::string>& choices) const;

private:
    std::string text_, name_;
    std::map<std::string, std::string> values_;
};

}  // namespace moe
