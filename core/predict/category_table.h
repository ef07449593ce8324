// Reader of the GPT-OSS-20B per-category expert-load table (gptoss20b_category_expert_load
// .csv.gz: dataset, category, finished_successfully, has_repetition, sample_count, phase,
// phase_tokens_per_sample, layer, expert, count_frequency, prob_density). Turns the rows that
// match a filter into a per-layer distribution: the profiled input of Distribution-Only.
#pragma once

#include <string>

#include "core/predict/load_shares.h"

namespace moe {

struct CategoryFilter {
    std::string dataset;   // empty = all
    std::string category;  // empty = all
    std::string phase;     // "think", "answer" or empty = both
};

// Weighted by sample_count * phase_tokens_per_sample (the tokens each row stands for); each
// layer normalised to sum 1. Throws moe::Error naming file and line on bad rows, or when no
// row matches the filter.
LoadShares readCategoryDistribution(const std::string& path, const CategoryFilter& filter,
                                    int layers = 24, int experts = 32);

// The table shipped beside the named trace (full shared data, else data/), or throws.
std::string defaultCategoryTablePath();

}  // namespace moe
