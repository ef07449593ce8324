// The README's "Resource limits" table must say what core/common/resource_limits.h enforces:
// every constant is listed once, with its value.
#include "core/common/resource_limits.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>

namespace moe {
namespace {

std::map<std::string, long long> constants() {
    using namespace limits;
    return {{"kTraceDimension", kTraceDimension},
            {"kRecordedStepTokens", kRecordedStepTokens},
            {"kTraceLineFloor", kTraceLineFloor},
            {"kTraceBytesPerId", kTraceBytesPerId},
            {"kLayers", kLayers},
            {"kExperts", kExperts},
            {"kTopK", kTopK},
            {"kRanks", kRanks},
            {"kTokensPerStep", kTokensPerStep},
            {"kSlots", kSlots},
            {"kHidden", kHidden},
            {"kFfn", kFfn},
            {"kSyntheticCells", kSyntheticCells},
            {"kSyntheticHiddenCells", kSyntheticHiddenCells},
            {"kCsvLayerId", kCsvLayerId},
            {"kCsvExpertId", kCsvExpertId},
            {"kCsvDenseCells", kCsvDenseCells},
            {"kCsvCellsPerRow", kCsvCellsPerRow},
            {"kStoredDimension", kStoredDimension},
            {"kStoredCells", kStoredCells},
            {"kCheckpointLength", static_cast<long long>(kCheckpointLength)},
            {"kPickleBytes", static_cast<long long>(kPickleBytes)},
            {"kTensorStorageBytes", static_cast<long long>(kTensorStorageBytes)},
            {"kPickleNesting", kPickleNesting},
            {"kSafetensorsHeaderBytes", static_cast<long long>(kSafetensorsHeaderBytes)},
            {"kEchoedWordBytes", kEchoedWordBytes},
            {"kMessageBytes", kMessageBytes}};
}

TEST(ResourceLimits, ReadmeTableMatchesTheConstants) {
    std::ifstream in(std::string(MOE_SOURCE_DIR) + "/README.md");
    ASSERT_TRUE(in) << "README.md not found";
    std::stringstream text;
    text << in.rdbuf();
    // | what | 1,048,576 bytes | `kName` |
    const std::regex row(R"(\| ([0-9,]+)( bytes)? \| `(k[A-Za-z]+)` \|)");
    std::map<std::string, long long> listed;
    const std::string s = text.str();
    for (auto it = std::sregex_iterator(s.begin(), s.end(), row); it != std::sregex_iterator();
         ++it) {
        std::string digits = (*it)[1];
        std::erase(digits, ',');
        EXPECT_TRUE(listed.emplace((*it)[3], std::stoll(digits)).second)
            << (*it)[3] << " is listed twice";
    }
    EXPECT_EQ(listed, constants());
}

}  // namespace
}  // namespace moe
