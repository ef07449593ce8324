// See backend.h: the grouped FFN's default, one expertFfn call per expert with rows.
#include "core/model/backend.h"

namespace moe {

void Backend::expertFfnGroup(const FfnGroupArgs& a) {
    for (int e = 0; e < a.experts; ++e) {
        const int begin = a.offsets[e], n = a.offsets[e + 1] - begin;
        if (n == 0) continue;
        expertFfn({&a.weights[e], a.hidden, a.ffn, a.x + static_cast<size_t>(begin) * a.hidden, n,
                   a.out + static_cast<size_t>(begin) * a.hidden});
    }
}

}  // namespace moe
