// OpenMP threads that wait passively (sleep) instead of spinning after a parallel region,
// unless the user chose otherwise with OMP_WAIT_POLICY. libgomp spins by default, and between
// the what-if's per-step parallel lanes the spinning workers took the cores from the main
// thread and the trace's decompressing thread: with the variable set by hand the matrix took
// 19 s instead of 37 s (2026-12-05). Since then the lanes do less per step and the two
// policies are within noise on it (13.3 s passive, 12.4 s active, same run); sleeping workers
// still leave a shared machine's cores to others between regions.
//
// libgomp reads the variable once, in its own constructor, before main. This is a tiny shared
// library (libmoe_openmp_policy.so) whose constructor sets it: the loader runs a library's
// constructor after those of the libraries it needs (libc, so setenv works) and, among
// libraries that do not need each other, in the reverse of the program's DT_NEEDED order, so
// moe_passive_openmp() (top-level CMakeLists.txt) links it after libgomp. An executable's own
// preinit array, tried first, runs too early: libc's start-up hands libgomp the original
// environment again. tests/cli checks the effect in libgomp's own report (GOMP_SPINCOUNT 0).
#include <cstdlib>

namespace {

__attribute__((constructor)) void passiveOpenMp() { setenv("OMP_WAIT_POLICY", "passive", 0); }

}  // namespace

// What programs reference, so the linker keeps the library (see openmp_policy_link.cpp).
extern "C" __attribute__((visibility("default"))) int moe_openmp_policy_linked() { return 1; }
