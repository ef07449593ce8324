// Parsing of the schedule's text form; see section_schedule.h.
#include "core/train/section_schedule.h"

#include <algorithm>
#include <charconv>

#include "core/common/error.h"

namespace moe::train {
namespace {
std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    size_t begin = 0;
    while (true) {
        const size_t end = s.find(sep, begin);
        out.push_back(s.substr(begin, end == std::string::npos ? std::string::npos : end - begin));
        if (end == std::string::npos) return out;
        begin = end + 1;
    }
}
}  // namespace

SectionSchedule::SectionSchedule(const std::string& text) {
    auto bad = [&](const std::string& why) {
        return Error("sections '" + text + "': " + why +
                     " (expected e.g. tutorial, tutorial+faq or tutorial>c-api@500)");
    };
    for (const std::string& part : split(text, '>')) {
        SectionPhase phase;
        std::string names = part;
        if (const size_t at = part.find('@'); at != std::string::npos) {
            names = part.substr(0, at);
            const std::string n = part.substr(at + 1);
            const auto [ptr, ec] = std::from_chars(n.data(), n.data() + n.size(), phase.start);
            if (n.empty() || ec != std::errc() || ptr != n.data() + n.size() || phase.start < 0)
                throw bad("'" + n + "' is not a step number");
        } else if (!phases_.empty()) {
            throw bad("phase '" + part + "' needs @STEP, the step it starts at");
        }
        if (phases_.empty() && phase.start != 0) throw bad("the first phase starts at step 0");
        if (!phases_.empty() && phase.start <= phases_.back().start)
            throw bad("phase starts must increase");
        for (const std::string& s : split(names, '+')) {
            if (s.empty()) throw bad("empty section name");
            phase.sections.push_back(s);
        }
        phases_.push_back(std::move(phase));
    }
}

int SectionSchedule::phaseIndexAt(int64_t step) const {
    int i = 0;
    while (i + 1 < static_cast<int>(phases_.size()) && phases_[i + 1].start <= step) ++i;
    return i;
}

const SectionPhase& SectionSchedule::phaseAt(int64_t step) const {
    return phases_[phaseIndexAt(step)];
}

std::string SectionSchedule::text() const {
    std::string out;
    for (size_t i = 0; i < phases_.size(); ++i) {
        if (i) out += '>';
        for (size_t j = 0; j < phases_[i].sections.size(); ++j)
            out += (j ? "+" : "") + phases_[i].sections[j];
        if (i) out += "@" + std::to_string(phases_[i].start);
    }
    return out;
}

std::vector<std::string> SectionSchedule::allSections() const {
    std::vector<std::string> out;
    for (const auto& p : phases_)
        for (const auto& s : p.sections)
            if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
    return out;
}

}  // namespace moe::train
