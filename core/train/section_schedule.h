// Which corpus sections the model trains on at each step: the domain-shift schedule.
// Text form "tutorial+faq>c-api@500>howto@1200": phases separated by '>', each a '+'-joined
// list of sections, every phase after the first starting at its @STEP.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace moe::train {

struct SectionPhase {
    int64_t start = 0;  // first training step of this phase
    std::vector<std::string> sections;
};

class SectionSchedule {
public:
    // Throws moe::Error naming the bad part (empty section, missing or non-increasing @STEP).
    explicit SectionSchedule(const std::string& text);

    const SectionPhase& phaseAt(int64_t step) const;
    int phaseIndexAt(int64_t step) const;
    const std::vector<SectionPhase>& phases() const { return phases_; }
    std::string text() const;
    // Every section named anywhere, in first-mention order.
    std::vector<std::string> allSections() const;

private:
    std::vector<SectionPhase> phases_;
};

}  // namespace moe::train
