// OpenMP threads that wait passively (sleep) instead of spinning after a parallel region,
// unless the user chose otherwise with OMP_WAIT_POLICY. libgomp spins by default, and between
// the what-if's per-step parallel lanes the spinning workers took the cores from the main
// thread and the trace's decompressing thread: on a 2-core machine the what-if matrix ran 37 s
// spinning, 19 s sleeping (bench/results/*-whatif.md); the engine and training are no slower.
// libgomp reads the variable once, in its own constructor, before main: so it is set from the
// executable's preinit array, which the loader runs before any library's constructors. (libc
// hands main the original environment again: only libgomp sees the setting, which is all it
// is for; tests/cli checks it with libgomp's own OMP_DISPLAY_ENV report.)
#include <cstdlib>

namespace {

void passiveOpenMp(int, char**, char**) { setenv("OMP_WAIT_POLICY", "passive", 0); }

}  // namespace

// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables): the loader's interface.
__attribute__((section(".preinit_array"),
               used)) static void (*const kPassiveOpenMp)(int, char**, char**) = &passiveOpenMp;
