// Shared by the importer tests: where the fixtures the real libraries wrote live
// (tests/data/imports, made by tests/data/imports/make_fixtures.py) and the routing each
// fixture is known to hold (expected.json).
#pragma once

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace moe::test {

inline std::string importFixture(const std::string& relative) {
    return std::string(MOE_SOURCE_DIR) + "/tests/data/imports/" + relative;
}

// expected.json's entry `key`, or the whole file when `key` is null.
inline nlohmann::json expectedImport(const char* key = nullptr) {
    std::ifstream in(importFixture("expected.json"));
    const nlohmann::json all = nlohmann::json::parse(in);
    return key ? all[key] : all;
}

}  // namespace moe::test
