/* Recursive quicksort (median of three) of 32K random words, `scale` times. */
#include "bench.h"

const char bench_name[] = "quicksort";

#define N 32768
static u32 a[N];

static void sort(u32* v, i32 lo, i32 hi) {
  while (hi - lo > 8) {
    const i32 mid = lo + (hi - lo) / 2;
    u32 x = v[lo], y = v[mid], z = v[hi];
    const u32 p = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
    i32 i = lo, j = hi;
    while (i <= j) {
      while (v[i] < p) ++i;
      while (v[j] > p) --j;
      if (i <= j) {
        const u32 t = v[i];
        v[i++] = v[j];
        v[j--] = t;
      }
    }
    if (j - lo < hi - i) {
      sort(v, lo, j);
      lo = i;
    } else {
      sort(v, i, hi);
      hi = j;
    }
  }
  for (i32 i = lo + 1; i <= hi; ++i) {
    const u32 t = v[i];
    i32 j = i - 1;
    while (j >= lo && v[j] > t) v[j + 1] = v[j], --j;
    v[j + 1] = t;
  }
}

u32 bench_run(u32 scale) {
  u32 s = 2463534242u, sum = 0;
  for (u32 r = 0; r < scale; ++r) {
    for (u32 i = 0; i < N; ++i) a[i] = rng_next(&s);
    sort(a, 0, N - 1);
    for (u32 i = 0; i < N; i += 97) sum = sum * 31 + a[i];
  }
  return sum;
}
