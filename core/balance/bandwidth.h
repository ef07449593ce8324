// Link bandwidth between ranks, in GB/s per direction, for the performance model and for
// policies that cost weight copies. Presets name the machines users have:
//   nvlink4   450 GB/s between every pair of GPUs of one node (H100 SXM: 18 NVLink 4 links x
//             25 GB/s per direction, through NVSwitch); all ranks in one node.
//   pcie4     25 GB/s between every pair (PCIe 4.0 x16: 32 GB/s raw, about 25 achieved).
//   2node_ib  two nodes of G/2 GPUs: NVLink 4 (450 GB/s) inside a node, 50 GB/s between nodes
//             (one 400 Gb/s NDR InfiniBand NIC per GPU).
#pragma once

#include <string>
#include <vector>

namespace moe {

class BandwidthMatrix {
public:
    BandwidthMatrix() = default;
    static BandwidthMatrix uniform(int ranks, double gbs);
    // Throws moe::Error on an unknown name or a rank count the preset cannot split.
    static BandwidthMatrix preset(const std::string& name, int ranks);
    static std::string presetHelp();

    bool empty() const { return ranks_ == 0; }
    int ranks() const { return ranks_; }
    double gbs(int from, int to) const { return gbs_[static_cast<size_t>(from) * ranks_ + to]; }
    void set(int from, int to, double gbs);
    // Row-major ranks x ranks, as Cluster::bandwidthGBs holds it.
    const std::vector<double>& values() const { return gbs_; }

private:
    int ranks_ = 0;
    std::vector<double> gbs_;
};

}  // namespace moe
