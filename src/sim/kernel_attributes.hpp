// Hot loops are compiled twice, for x86-64 baseline and for AVX2, and the loader picks the
// variant the CPU supports (GCC function multi-versioning). The build stays portable and needs
// no -march=native. Both variants give bit-identical results: the project compiles in ISO mode
// (no FMA contraction) and the loops only vectorize element-wise work.
#pragma once

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(SF_NO_MULTIVERSIONING)
#define SF_HOT_KERNEL __attribute__((target_clones("avx2", "default")))
#else
#define SF_HOT_KERNEL
#endif
