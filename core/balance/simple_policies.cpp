// See simple_policies.h.
#include "core/balance/simple_policies.h"

#include "core/balance/policy_util.h"

namespace moe {

PolicyResult ContiguousPolicy::plan(const PolicyInput& input) {
    validatePolicyInput(input, name());
    PolicyResult r;
    r.placement = Placement::contiguous(input.layers, input.experts, input.cluster.ranks);
    fillMovement(r, input);
    return r;
}

PolicyResult RoundRobinPolicy::plan(const PolicyInput& input) {
    validatePolicyInput(input, name());
    PolicyResult r;
    r.placement = Placement(input.layers, input.experts, input.cluster.ranks);
    for (int l = 0; l < input.layers; ++l)
        for (int e = 0; e < input.experts; ++e)
            r.placement.addReplica(l, e, e % input.cluster.ranks);
    if (input.cluster.ranks > input.experts)
        r.notes = "ranks " + std::to_string(input.experts) + ".." +
                  std::to_string(input.cluster.ranks - 1) + " hold no expert";
    fillMovement(r, input);
    return r;
}

}  // namespace moe
