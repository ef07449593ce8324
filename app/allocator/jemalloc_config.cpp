// jemalloc's settings for the programs that link it (moe_link_allocator in CMakeLists.txt),
// compiled in so that users need no MALLOC_CONF. Transparent huge pages for the heap: page
// faults were most of an import's time (a 77 MB routing recording took 0.5 s, 0.03 s with
// them; bench/results/*-imports.md) because every fresh 4 KiB page traps, and on a virtual
// machine a trap is dear. jemalloc reads this symbol at start-up; glibc ignores it.
extern "C" {
// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables): jemalloc's interface.
const char* malloc_conf = "thp:always,metadata_thp:auto";
}
