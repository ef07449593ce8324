// See mpi_launch.h.
#include "core/comm/mpi_launch.h"

#include <charconv>
#include <cstdlib>
#include <cstring>

namespace moe {
namespace {
std::optional<int> intVar(const char* name) {
    const char* v = std::getenv(name);
    if (!v || !*v) return std::nullopt;
    int out = 0;
    const auto [end, ec] = std::from_chars(v, v + std::strlen(v), out);
    if (ec != std::errc() || *end != '\0') return std::nullopt;
    return out;
}
}  // namespace

std::optional<MpiLaunch> detectMpiLaunch() {
    static const char* const kPairs[][2] = {{"OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK"},
                                            {"PMI_SIZE", "PMI_RANK"},
                                            {"MV2_COMM_WORLD_SIZE", "MV2_COMM_WORLD_RANK"}};
    for (const auto& [sizeVar, rankVar] : kPairs) {
        const auto size = intVar(sizeVar);
        if (!size || *size <= 0) continue;
        return MpiLaunch{*size, intVar(rankVar).value_or(0), sizeVar};
    }
    return std::nullopt;
}

}  // namespace moe
