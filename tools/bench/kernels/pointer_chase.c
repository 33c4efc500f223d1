/* Pointer chasing over a 16 MiB array (one random cycle through 4M words,
 * Sattolo's algorithm): every load misses the caches and, in an emulator, the
 * soft TLB often. `scale` million steps. */
#include "bench.h"

const char bench_name[] = "pointer_chase";

#define N (1u << 22)
static u32 next[N];

u32 bench_run(u32 scale) {
  u32 s = 31337;
  for (u32 i = 0; i < N; ++i) next[i] = i;
  for (u32 i = N - 1; i > 0; --i) {
    const u32 j = rng_next(&s) % i;
    const u32 t = next[i];
    next[i] = next[j];
    next[j] = t;
  }
  u32 p = 0, sum = 0;
  for (u32 k = 0; k < scale * 1000000u; ++k) p = next[p], sum += p;
  return sum ^ p;
}
