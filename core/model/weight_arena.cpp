// See weight_arena.h.
#include "core/model/weight_arena.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

#include "core/common/error.h"

namespace moe {
namespace {
constexpr size_t kHugePage = size_t{2} << 20;
}

WeightArena::WeightArena(size_t floats) {
    bytes_ = (floats * sizeof(float) + kHugePage - 1) / kHugePage * kHugePage;
    if (bytes_ == 0) return;
    // Map one huge page more than needed and keep the part that starts on a 2 MB boundary.
    const size_t mapped = bytes_ + kHugePage;
    void* p = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        throw Error("cannot allocate " + std::to_string(bytes_ >> 20) +
                    " MiB for expert weights: " + std::strerror(errno));
    const auto start = reinterpret_cast<uintptr_t>(p);
    const uintptr_t aligned = (start + kHugePage - 1) & ~(kHugePage - 1);
    if (aligned > start) munmap(p, aligned - start);
    const uintptr_t end = start + mapped, used = aligned + bytes_;
    if (end > used) munmap(reinterpret_cast<void*>(used), end - used);
    base_ = reinterpret_cast<void*>(aligned);
#ifdef MADV_HUGEPAGE
    madvise(base_, bytes_, MADV_HUGEPAGE);  // advice only: 4 KB pages where refused
#endif
}

WeightArena::~WeightArena() {
    if (base_) munmap(base_, bytes_);
}

void* WeightArena::next(size_t bytes, size_t n, const char* what) {
    if (used_ + bytes > bytes_)
        throw Error("weight arena: " + std::to_string(n) + " " + what + " asked past its " +
                    std::to_string(bytes_) + " bytes");
    void* p = static_cast<char*>(base_) + used_;
    used_ += bytes;
    return p;
}

std::span<float> WeightArena::take(size_t n) {
    return {static_cast<float*>(next(roundUp(n) * sizeof(float), n, "floats")), n};
}

std::span<uint16_t> WeightArena::takeHalves(size_t n) {
    return {static_cast<uint16_t*>(next(roundUpHalves(n) * sizeof(float), n, "bf16 values")), n};
}

}  // namespace moe
