// Timestamps as the store keeps them: ISO-8601 UTC text ("2025-01-31T12:00:00Z"), readable in
// the sqlite3 shell and sortable as strings.
#pragma once

#include <ctime>
#include <optional>
#include <string>

namespace moe::store {

std::string isoUtc(std::time_t t);
std::string isoUtcNow();
// Seconds since the epoch; empty when `text` is not in the form isoUtc() writes.
std::optional<std::time_t> parseIsoUtc(const std::string& text);

}  // namespace moe::store
