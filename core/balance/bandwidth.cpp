// See bandwidth.h. The diagonal holds +inf: a rank's own tokens never cross a link.
#include "core/balance/bandwidth.h"

#include <limits>

#include "core/common/error.h"

namespace moe {

constexpr double kNvlink4GBs = 450, kPcie4GBs = 25, kInfinibandGBs = 50;

BandwidthMatrix BandwidthMatrix::uniform(int ranks, double gbs) {
    if (ranks <= 0) throw Error("bandwidth matrix needs at least one rank");
    if (!(gbs > 0)) throw Error("link bandwidth must be > 0 GB/s");
    BandwidthMatrix m;
    m.ranks_ = ranks;
    m.gbs_.assign(static_cast<size_t>(ranks) * ranks, gbs);
    for (int r = 0; r < ranks; ++r)
        m.gbs_[static_cast<size_t>(r) * ranks + r] = std::numeric_limits<double>::infinity();
    return m;
}

BandwidthMatrix BandwidthMatrix::preset(const std::string& name, int ranks) {
    if (name == "nvlink4") return uniform(ranks, kNvlink4GBs);
    if (name == "pcie4") return uniform(ranks, kPcie4GBs);
    if (name == "2node_ib") {
        if (ranks < 2 || ranks % 2 != 0)
            throw Error("2node_ib needs an even number of ranks, got " + std::to_string(ranks));
        BandwidthMatrix m = uniform(ranks, kNvlink4GBs);
        const int half = ranks / 2;
        for (int a = 0; a < ranks; ++a)
            for (int b = 0; b < ranks; ++b)
                if (a / half != b / half) m.set(a, b, kInfinibandGBs);
        return m;
    }
    throw Error("unknown bandwidth preset '" + name + "' (known: nvlink4, pcie4, 2node_ib)");
}

std::string BandwidthMatrix::presetHelp() {
    return "  nvlink4   450 GB/s per direction between all GPUs of one node (H100 NVLink 4)\n"
           "  pcie4     25 GB/s between all GPUs (PCIe 4.0 x16, achieved)\n"
           "  2node_ib  two nodes: 450 GB/s NVLink inside, 50 GB/s InfiniBand (NDR) between\n";
}

void BandwidthMatrix::set(int from, int to, double gbs) {
    if (from < 0 || from >= ranks_ || to < 0 || to >= ranks_)
        throw Error("bandwidth entry " + std::to_string(from) + "->" + std::to_string(to) +
                    " out of range");
    if (!(gbs > 0)) throw Error("link bandwidth must be > 0 GB/s");
    gbs_[static_cast<size_t>(from) * ranks_ + to] = gbs;
}

}  // namespace moe
