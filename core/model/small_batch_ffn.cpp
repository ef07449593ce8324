// See small_batch_ffn.h. Columns go 16 at a time (one AVX-512 register of floats; GCC/Clang
// vector extensions, so other targets get the same code in narrower registers), rows up to 8
// at a time as a template parameter so their accumulators stay in registers. Columns past the
// last multiple of 16 take a scalar loop with the same order of sums (k ascending). Weights
// come as float (row-major) or as bf16 packed in slices of 32 columns (half the bytes to
// stream at decode, front to back, widened exactly one slice at a time).
#include "core/model/small_batch_ffn.h"

#include <omp.h>

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <cstring>
#include <utility>
#include <vector>

#include "core/model/bf16.h"
#include "core/model/swiglu_eigen.h"

namespace moe::kernels {

namespace {

constexpr int kLanes = 16;
constexpr int kSlice = 2 * kLanes;  // columns of a slice of packed weights
constexpr int kRowBlock = 8;
constexpr int kPrefetchSlices = 2;  // how far ahead multi-block products fetch weights
constexpr int kRowPanel = 128;
constexpr double kParallelMacs = 1 << 22;  // below, a fork and join costs more than it saves
using Vec = float __attribute__((vector_size(kLanes * sizeof(float))));

// Slices of 32 columns that N columns take, the last one partly filled.
int sliceCount(int N) { return (N + kSlice - 1) / kSlice; }

Vec load(const float* p) {
    Vec v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

void store(float* p, Vec v) { std::memcpy(p, &v, sizeof v); }

// bf16 weights widen to float exactly: the 16 bits become a float's upper half.
using Words = uint32_t __attribute__((vector_size(kLanes * sizeof(uint32_t))));

// A packed row of a slice holds its 32 bf16 values interleaved, column j at 2j and column
// 16 + j at 2j + 1 (see packSlices): read as 16 words, each word holds column j in its low half
// and column 16 + j in its high half, so either 16 columns widen in one operation (a shift or
// a mask) with no shuffle, which would take a port the multiplications need.
int packedPosition(int column) { return column < kLanes ? 2 * column : 2 * (column - kLanes) + 1; }

Vec loadPacked(const uint16_t* row, int half) {
    Words w;
    std::memcpy(&w, row, sizeof w);
    w = half == 0 ? w << 16 : w & 0xFFFF0000u;
    Vec v;
    std::memcpy(&v, &w, sizeof v);
    return v;
}

// Weights for columns [col, col + 16): float ones where they lie, packed bf16 ones from the
// row of their slice.
Vec loadWeights(const float* b, size_t rowOffset, int col) { return load(b + rowOffset + col); }
Vec loadWeights(const uint16_t* b, size_t rowOffset, int col) {
    return loadPacked(b + rowOffset + (col & ~(kSlice - 1)), (col / kLanes) & 1);
}

// Columns [n, n + C*16) of R rows of a (row stride lda, K columns) times b1 (K x N):
// c1[r][j] = sum_k a[r][k] b1[k][j], and the same with b2 into c2 when Pair (gate and up share
// every load of a). R x C independent accumulators per product hide the FMA latency.
// A non-zero `ahead` prefetches the weights that many columns further on, for the next pass.
// Packed weights instead pass `stream`: `lines` cache lines from `stream` on, one or more per
// k, so fetching the next slice is spread over this block's multiplications.
struct Stream {
    const char* next = nullptr;
    int lines = 0;
};

// With Spill, each weight vector loaded (bf16 ones widened) is also stored at the same column of
// spill1 (and spill2), row stride kSlice: the first block of a packed slice widens it for the
// others as it multiplies.
template <int R, int C, bool Pair, typename W, bool Spill = false>
void columnBlock(const float* a, int lda, int K, int N, int n, const W* b1, const W* b2, float* c1,
                 float* c2, int ldc, int ahead = 0, Stream stream = {}, float* spill1 = nullptr,
                 float* spill2 = nullptr) {
    Vec acc1[R][C] = {}, acc2[R][C] = {};
    for (int k = 0; k < K; ++k) {
        Vec w1[C], w2[C];
        for (int j = k; j < stream.lines; j += K) __builtin_prefetch(stream.next + 64 * j);
        if (ahead)
            for (int c = 0; c < C; ++c) {
                if (c * kLanes * sizeof(W) % 64 != 0) continue;  // bf16: the line is fetched
                __builtin_prefetch(b1 + static_cast<size_t>(k) * N + n + ahead + c * kLanes);
                if (Pair)
                    __builtin_prefetch(b2 + static_cast<size_t>(k) * N + n + ahead + c * kLanes);
            }
        for (int c = 0; c < C; ++c) {
            w1[c] = loadWeights(b1, static_cast<size_t>(k) * N, n + c * kLanes);
            if (Pair) w2[c] = loadWeights(b2, static_cast<size_t>(k) * N, n + c * kLanes);
            if constexpr (Spill) {
                store(spill1 + static_cast<size_t>(k) * kSlice + n + c * kLanes, w1[c]);
                if (Pair) store(spill2 + static_cast<size_t>(k) * kSlice + n + c * kLanes, w2[c]);
            }
        }
        for (int r = 0; r < R; ++r) {
            const float xr = a[static_cast<size_t>(r) * lda + k];
            for (int c = 0; c < C; ++c) {
                acc1[r][c] += xr * w1[c];
                if (Pair) acc2[r][c] += xr * w2[c];
            }
        }
    }
    for (int r = 0; r < R; ++r)
        for (int c = 0; c < C; ++c) {
            store(c1 + static_cast<size_t>(r) * ldc + n + c * kLanes, acc1[r][c]);
            if (Pair) store(c2 + static_cast<size_t>(r) * ldc + n + c * kLanes, acc2[r][c]);
        }
}

// Columns [n, end) of R rows, one at a time: the tail past the last multiple of 16.
template <int R, bool Pair, typename W>
void scalarColumns(const float* a, int lda, int K, int N, int n, int end, const W* b1, const W* b2,
                   float* c1, float* c2, int ldc) {
    for (; n < end; ++n)
        for (int r = 0; r < R; ++r) {
            float s1 = 0, s2 = 0;
            for (int k = 0; k < K; ++k) {
                const float xr = a[static_cast<size_t>(r) * lda + k];
                s1 += xr * b1[static_cast<size_t>(k) * N + n];
                if (Pair) s2 += xr * b2[static_cast<size_t>(k) * N + n];
            }
            c1[static_cast<size_t>(r) * ldc + n] = s1;
            if (Pair) c2[static_cast<size_t>(r) * ldc + n] = s2;
        }
}

// R rows (one block): as many columns as possible C*16 at a time (C = 8 / R, at least 1), then
// 16 at a time, then one at a time.
template <int R, bool Pair, typename W>
void rowsTimesMatrix(const float* a, int lda, int K, int N, const W* b1, const W* b2, float* c1,
                     float* c2, int ldc) {
    constexpr int C = R >= 8 ? 1 : 8 / R;
    int n = 0;
    for (; n + C * kLanes <= N; n += C * kLanes) {
        const int ahead =
            n + (kPrefetchSlices + 1) * C * kLanes <= N ? kPrefetchSlices * C * kLanes : 0;
        columnBlock<R, C, Pair, W>(a, lda, K, N, n, b1, b2, c1, c2, ldc, ahead);
    }
    for (; n + kLanes <= N; n += kLanes)
        columnBlock<R, 1, Pair, W>(a, lda, K, N, n, b1, b2, c1, c2, ldc);
    scalarColumns<R, Pair, W>(a, lda, K, N, n, N, b1, b2, c1, c2, ldc);
}

// R rows (one block of a slice's rows) times the columns [n, n + width), width <= 2*16;
// `ahead` as for columnBlock. Float weights only: bf16 ones are widened per slice first.
template <int R, bool Pair>
void rowsTimesSlice(const float* a, int lda, int K, int N, int n, int width, const float* b1,
                    const float* b2, float* c1, float* c2, int ldc, int ahead, Stream stream) {
    using W = float;
    const int end = n + width;
    if (width == 2 * kLanes) {
        if constexpr (R >= 8) {
            columnBlock<R, 1, Pair, W>(a, lda, K, N, n, b1, b2, c1, c2, ldc, ahead, stream);
            columnBlock<R, 1, Pair, W>(a, lda, K, N, n + kLanes, b1, b2, c1, c2, ldc, ahead);
        } else {
            columnBlock<R, 2, Pair, W>(a, lda, K, N, n, b1, b2, c1, c2, ldc, ahead, stream);
        }
        return;
    }
    if (width >= kLanes) {
        columnBlock<R, 1, Pair, W>(a, lda, K, N, n, b1, b2, c1, c2, ldc, 0, stream);
        n += kLanes;
        stream = {};
    }
    for (int j = 0; j < stream.lines; ++j) __builtin_prefetch(stream.next + 64 * j);
    scalarColumns<R, Pair, W>(a, lda, K, N, n, end, b1, b2, c1, c2, ldc);
}

template <typename W>
using Block = void (*)(const float*, int, int, int, const W*, const W*, float*, float*, int);
using Slice = void (*)(const float*, int, int, int, int, int, const float*, const float*, float*,
                       float*, int, int, Stream);

template <bool Pair, typename W, int... R>
constexpr std::array<Block<W>, sizeof...(R)> blocksFor(std::integer_sequence<int, R...>) {
    return {&rowsTimesMatrix<R + 1, Pair, W>...};
}
template <bool Pair, int... R>
constexpr std::array<Slice, sizeof...(R)> slicesFor(std::integer_sequence<int, R...>) {
    return {&rowsTimesSlice<R + 1, Pair>...};
}

// kBlocks<W>[R - 1] takes R rows of one product, kPairBlocks<W>[R - 1] of two; the same for
// slices, of float weights.
using RowCounts = std::make_integer_sequence<int, kRowBlock>;
template <typename W>
constexpr auto kBlocks = blocksFor<false, W>(RowCounts{});
template <typename W>
constexpr auto kPairBlocks = blocksFor<true, W>(RowCounts{});
constexpr auto kSlices = slicesFor<false>(RowCounts{});
constexpr auto kPairSlices = slicesFor<true>(RowCounts{});

// R rows times all 32 columns of a packed bf16 slice (row stride ldb values), widened in
// registers; with spill1, the widened weights are stored there (and in spill2) for the other
// blocks of rows.
template <int R, bool Pair>
void rowsTimesPackedSlice(const float* a, int K, int ldb, const uint16_t* b1, const uint16_t* b2,
                          float* c1, float* c2, int ldc, Stream stream, float* spill1,
                          float* spill2) {
    using W = uint16_t;
    auto run = [&]<bool Spill>() {
        if constexpr (R >= 8) {
            columnBlock<R, 1, Pair, W, Spill>(a, K, K, ldb, 0, b1, b2, c1, c2, ldc, 0, stream,
                                              spill1, spill2);
            columnBlock<R, 1, Pair, W, Spill>(a, K, K, ldb, kLanes, b1, b2, c1, c2, ldc, 0, {},
                                              spill1, spill2);
        } else {
            columnBlock<R, 2, Pair, W, Spill>(a, K, K, ldb, 0, b1, b2, c1, c2, ldc, 0, stream,
                                              spill1, spill2);
        }
    };
    if (spill1)
        run.template operator()<true>();
    else
        run.template operator()<false>();
}

using PackedSlice = void (*)(const float*, int, int, const uint16_t*, const uint16_t*, float*,
                             float*, int, Stream, float*, float*);
template <bool Pair, int... R>
constexpr std::array<PackedSlice, sizeof...(R)> packedSlicesFor(std::integer_sequence<int, R...>) {
    return {&rowsTimesPackedSlice<R + 1, Pair>...};
}
constexpr auto kPackedSlices = packedSlicesFor<false>(RowCounts{});
constexpr auto kPairPackedSlices = packedSlicesFor<true>(RowCounts{});

// Every block of a panel's rows (up to kRowPanel, in near-equal blocks of up to 8; 9: 5 + 4)
// times `width` (<= 32) columns of float weights starting at b1 and b2 (row stride ldb), into
// c1 and c2 at the same columns (row stride ldc). The first block fetches `ahead` columns on;
// the blocks share `stream` out in equal parts.
void blocksTimesSlice(const float* a, int rows, int K, int ldb, int width, const float* b1,
                      const float* b2, float* c1, float* c2, int ldc, int ahead,
                      Stream stream = {}) {
    const int blocks = (rows + kRowBlock - 1) / kRowBlock;
    for (int i = 0; i < blocks; ++i) {
        const int r0 = rows * i / blocks, r1 = rows * (i + 1) / blocks;
        const size_t aOff = static_cast<size_t>(r0) * K, cOff = static_cast<size_t>(r0) * ldc;
        const int l0 = stream.lines * i / blocks, l1 = stream.lines * (i + 1) / blocks;
        (b2 ? kPairSlices : kSlices)[r1 - r0 - 1](
            a + aOff, K, K, ldb, 0, width, b1, b2, c1 + cOff, c2 ? c2 + cOff : nullptr, ldc,
            i == 0 ? ahead : 0, Stream{stream.next ? stream.next + 64 * l0 : nullptr, l1 - l0});
    }
}

// Slices [s0, s1) of 32 columns, each for every block of rows in turn: each weight comes from
// memory once and the other blocks find it in cache. The first block fetches the slice after
// next meanwhile.
void panelSlices(const float* a, int rows, int K, int N, const float* b1, const float* b2,
                 float* c1, float* c2, int s0, int s1) {
    for (int s = s0; s < s1; ++s) {
        const int n = s * 2 * kLanes, width = std::min(2 * kLanes, N - n);
        const int ahead = n + 3 * 2 * kLanes <= N ? kPrefetchSlices * 2 * kLanes : 0;
        blocksTimesSlice(a, rows, K, N, width, b1 + n, b2 ? b2 + n : nullptr, c1 + n,
                         c2 ? c2 + n : nullptr, N, ahead);
    }
}

// Slice s of a packed product (see packGateUp): K rows of `count` x 32 bf16 values.
const uint16_t* packedSlice(const uint16_t* packed, int K, int count, int s) {
    return packed + static_cast<size_t>(s) * K * count * kSlice;
}

// The cache lines of that slice, as a Stream to fetch.
Stream sliceStream(const uint16_t* packed, int K, int count, int s) {
    return {reinterpret_cast<const char*>(packedSlice(packed, K, count, s)),
            K * count * kSlice * static_cast<int>(sizeof(uint16_t)) / 64};
}

// Slice `slice` widened into K x 32 floats per matrix (w1, and w2 when count is 2), exactly.
void widenPackedSlice(const uint16_t* slice, int K, int count, float* w1, float* w2) {
    for (int k = 0; k < K; ++k) {
        const uint16_t* row = slice + static_cast<size_t>(k) * count * kSlice;
        float* o = w1 + static_cast<size_t>(k) * kSlice;
        store(o, loadPacked(row, 0));
        store(o + kLanes, loadPacked(row, 1));
        if (count == 1) continue;
        o = w2 + static_cast<size_t>(k) * kSlice;
        store(o, loadPacked(row + kSlice, 0));
        store(o + kLanes, loadPacked(row + kSlice, 1));
    }
}

// Slices [s0, s1) of a packed product. The first block of rows multiplies each slice as bf16,
// widening it in registers and storing the floats, which stay in cache for the other blocks
// (a separate widening pass cost a cold call at H=128 5-9 us more); meanwhile the blocks fetch
// the next slice (after the last, `then`: the next product's first slice). A slice's bytes are
// contiguous, so the fetch streams. The same columns and order of sums as the float path: the
// same bits.
void packedSlices(const float* a, int rows, int K, int N, const uint16_t* packed, int count,
                  float* c1, float* c2, int s0, int s1, Stream then) {
    thread_local std::vector<float, Eigen::aligned_allocator<float>> buffer;
    const size_t sliceFloats = static_cast<size_t>(K) * kSlice;
    if (buffer.size() < 2 * sliceFloats) buffer.resize(2 * sliceFloats);
    float* w1 = buffer.data();
    float* w2 = count == 2 ? buffer.data() + sliceFloats : nullptr;
    const int blocks = (rows + kRowBlock - 1) / kRowBlock, first = rows / blocks;
    for (int s = s0; s < s1; ++s) {
        const int n = s * kSlice, width = std::min(kSlice, N - n);
        const uint16_t* slice = packedSlice(packed, K, count, s);
        const Stream next = s + 1 < s1 ? sliceStream(packed, K, count, s + 1) : then;
        if (width < kSlice) {  // the last slice of a width past a multiple of 32
            widenPackedSlice(slice, K, count, w1, w2);
            blocksTimesSlice(a, rows, K, kSlice, width, w1, w2, c1 + n, c2 ? c2 + n : nullptr, N, 0,
                             next);
            continue;
        }
        // The first block widens the slice as it multiplies; the others read the floats.
        const int share = next.lines / blocks;
        (count == 2 ? kPairPackedSlices : kPackedSlices)[first - 1](
            a, K, count * kSlice, slice, count == 2 ? slice + kSlice : nullptr, c1 + n,
            c2 ? c2 + n : nullptr, N, Stream{next.next, share}, blocks > 1 ? w1 : nullptr, w2);
        if (blocks == 1) continue;
        blocksTimesSlice(a + static_cast<size_t>(first) * K, rows - first, K, kSlice, width, w1, w2,
                         c1 + static_cast<size_t>(first) * N + n,
                         c2 ? c2 + static_cast<size_t>(first) * N + n : nullptr, N, 0,
                         Stream{next.next ? next.next + 64 * share : nullptr, next.lines - share});
    }
}

// Rows [0, rows) in panels of at most kRowPanel (a panel's inputs and outputs stay in L2),
// each panel's slices shared out over the threads where the product is large enough:
// work(first row, panel rows, slices [s0, s1), last panel, the thread with the last slices).
template <typename Work>
void inPanels(int rows, int K, int N, int slices, const Work& work) {
    const bool parallel = static_cast<double>(rows) * K * N >= kParallelMacs &&
                          omp_get_max_threads() > 1 && !omp_in_parallel();
    for (int r0 = 0; r0 < rows; r0 += kRowPanel) {
        const int n = std::min(kRowPanel, rows - r0);
        const bool last = r0 + n >= rows;
        if (!parallel) {
            work(r0, n, 0, slices, last, true);
            continue;
        }
#pragma omp parallel
        {
            const int t = omp_get_thread_num(), threads = omp_get_num_threads();
            work(r0, n, slices * t / threads, slices * (t + 1) / threads, last, t + 1 == threads);
        }
    }
}

// Up to 8 rows: one pass over the weights, as wide as the registers allow. More: panels of
// at most kRowPanel rows (one panel's inputs and outputs stay in L2 too), each by slices of
// columns (see panelSlices); weights at decode sizes are read cold (other experts and layers
// evicted them), and reading them once per block of 8 rows made a cold call of 40 rows 40%
// slower than a warm one. Large products share the slices out over the threads; every output
// is one sum in the same order whichever thread computes it, so the bits do not depend on
// the thread count.
void product(const float* a, int rows, int K, int N, const float* b1, const float* b2, float* c1,
             float* c2) {
    // The first two slices' weights, which no earlier pass fetched ahead.
    for (int k = 0; k < K; ++k)
        for (int n = 0; n < std::min(N, 64); n += kLanes) {
            __builtin_prefetch(b1 + static_cast<size_t>(k) * N + n);
            if (b2) __builtin_prefetch(b2 + static_cast<size_t>(k) * N + n);
        }
    if (rows <= kRowBlock) {
        (b2 ? kPairBlocks<float> : kBlocks<float>)[rows - 1](a, K, K, N, b1, b2, c1, c2, N);
        return;
    }
    inPanels(rows, K, N, sliceCount(N), [&](int r0, int n, int s0, int s1, bool, bool) {
        panelSlices(a + static_cast<size_t>(r0) * K, n, K, N, b1, b2,
                    c1 + static_cast<size_t>(r0) * N,
                    c2 ? c2 + static_cast<size_t>(r0) * N : nullptr, s0, s1);
    });
}

// A packed product's rows in panels as in `product`; the thread with the last slices fetches
// the first slice again for the next panel, and `then` after the last panel.
void packedProduct(const float* a, int rows, int K, int N, const uint16_t* packed, int count,
                   float* c1, float* c2, Stream then) {
    const Stream again = sliceStream(packed, K, count, 0);
    inPanels(rows, K, N, sliceCount(N),
             [&](int r0, int n, int s0, int s1, bool lastPanel, bool lastThread) {
                 const Stream after = !lastThread ? Stream{} : lastPanel ? then : again;
                 packedSlices(a + static_cast<size_t>(r0) * K, n, K, N, packed, count,
                              c1 + static_cast<size_t>(r0) * N,
                              c2 ? c2 + static_cast<size_t>(r0) * N : nullptr, s0, s1, after);
             });
}

// K x N matrices m1 (and m2) as bf16 in slices of 32 columns, each slice's rows in turn, the
// two matrices' 32 values side by side per row, interleaved (see packedPosition); columns past
// N are zero.
void packSlices(const float* m1, const float* m2, int K, int N, uint16_t* out) {
    for (int n0 = 0; n0 < N; n0 += kSlice)
        for (int k = 0; k < K; ++k)
            for (const float* m : {m1, m2}) {
                if (!m) continue;
                for (int j = 0; j < kSlice; ++j) {
                    const int n = n0 + j;
                    out[packedPosition(j)] =
                        n < N ? floatToBf16(m[static_cast<size_t>(k) * N + n]) : 0;
                }
                out += kSlice;
            }
}

// gate[i] = silu(gate[i]) * up[i] for the n activations between the two products.
void swigluInPlace(float* gate, const float* up, size_t n) {
    using Array = Eigen::Map<Eigen::ArrayXf>;
    const auto count = static_cast<Eigen::Index>(n);
    Array g(gate, count);
    g = swigluArray(g.matrix(), Eigen::Map<const Eigen::ArrayXf>(up, count).matrix());
}

}  // namespace

void smallBatchFfn(const float* x, int rows, int H, int F, const float* w1, const float* w3,
                   const float* w2, float* gate, float* up, float* out) {
    if (rows <= 0) return;
    product(x, rows, H, F, w1, w3, gate, up);
    swigluInPlace(gate, up, static_cast<size_t>(rows) * F);
    product(gate, rows, F, H, w2, nullptr, out, nullptr);
}

size_t packedGateUpHalves(int H, int F) {
    return static_cast<size_t>(sliceCount(F)) * H * 2 * kSlice;
}

size_t packedDownHalves(int H, int F) { return static_cast<size_t>(sliceCount(H)) * F * kSlice; }

void packGateUp(const float* w1, const float* w3, int H, int F, uint16_t* out) {
    packSlices(w1, w3, H, F, out);
}

void packDown(const float* w2, int H, int F, uint16_t* out) { packSlices(w2, nullptr, F, H, out); }

void smallBatchFfn(const float* x, int rows, int H, int F, const PackedBf16& w, float* gate,
                   float* up, float* out) {
    if (rows <= 0) return;
    // The down product's first slice comes in while the gate and up products' last one runs.
    packedProduct(x, rows, H, F, w.gateUp, 2, gate, up, sliceStream(w.down, F, 1, 0));
    swigluInPlace(gate, up, static_cast<size_t>(rows) * F);
    packedProduct(gate, rows, F, H, w.down, 1, out, nullptr, {});
}

}  // namespace moe::kernels
