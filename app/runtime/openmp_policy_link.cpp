// Compiled into every program that links libmoe_openmp_policy.so (openmp_wait_policy.cpp): a
// reference to it, so no --as-needed link drops a library nothing else calls.
extern "C" int moe_openmp_policy_linked();

namespace {
[[maybe_unused, gnu::used]] int (*const kOpenMpPolicy)() = &moe_openmp_policy_linked;
}  // namespace
