// Turns a user's policy spec ("eplb", "gps:max_copies=2", "fastermoe:net_gbs=25,max_moves=4")
// into a policy. Every policy also takes max_moves=M, which limits it to moving M experts per
// layer per rebalance (see migration_limit.h). Unknown names, keys and bad values are errors.
#pragma once

#include <memory>
#include <string>

#include "core/balance/policy.h"

namespace moe {

std::unique_ptr<Policy> makePolicy(const std::string& spec);

// Every name with its keys and defaults, for --help.
std::string policyHelp();

}  // namespace moe
