/* Sieve of Eratosthenes up to 2^20, `scale` times: byte stores with strides. */
#include "bench.h"

const char bench_name[] = "sieve";

#define N (1u << 20)
static u8 composite[N];

u32 bench_run(u32 scale) {
  u32 sum = 0;
  for (u32 r = 0; r < scale; ++r) {
    fill_words(composite, 0, N / 4);
    u32 count = 0;
    for (u32 i = 2; i < N; ++i) {
      if (composite[i]) continue;
      ++count;
      for (u32 j = i * 2; j < N; j += i) composite[j] = 1;
    }
    sum += count + r;
  }
  return sum;
}
