// One block of memory for a model's expert weights, on 2 MB boundaries and marked for
// transparent huge pages. Measured (bench_policy_runs, 8 engines running contiguous placement on
// the same steps): with each matrix a heap vector of 4 KB pages, an engine's expert time
// differed from an identical engine's by up to 7% in one run, and was 3-10% slower; page
// placement decided which cache sets and TLB entries its weights fought over. On huge pages
// the engines agree within 1%, so measured busy time follows the rows a placement gives.
// Where the kernel declines huge pages the block is still one aligned mapping.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace moe {

class WeightArena {
public:
    explicit WeightArena(size_t floats);  // throws Error when the mapping fails
    ~WeightArena();
    WeightArena(const WeightArena&) = delete;
    WeightArena& operator=(const WeightArena&) = delete;

    // The next `n` floats, starting on a 64-byte boundary (a cache line and one AVX-512
    // register: no load of a whole vector straddles two lines). Throws past the capacity.
    std::span<float> take(size_t n);
    // The next `n` bf16 values (core/model/bf16.h), on a 64-byte boundary as above.
    std::span<uint16_t> takeHalves(size_t n);
    // Floats `take` needs for blocks of these sizes, each rounded up to 64 bytes.
    static size_t roundUp(size_t n) { return (n + 15) & ~size_t{15}; }
    // Floats' worth of room `takeHalves` needs for a block of n bf16 values.
    static size_t roundUpHalves(size_t n) { return roundUp((n + 1) / 2); }

private:
    void* next(size_t bytes, size_t n, const char* what);

    void* base_ = nullptr;
    size_t bytes_ = 0, used_ = 0;
};

}  // namespace moe
