/* Integer matrix multiply, 96x96 words, `scale` times (C = A*B, then A ^= C). */
#include "bench.h"

const char bench_name[] = "matmul";

#define N 96
static u32 A[N][N], B[N][N], C[N][N];

u32 bench_run(u32 scale) {
  u32 s = 7;
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < N; ++j) A[i][j] = rng_next(&s) & 0xFFFF, B[i][j] = rng_next(&s) & 0xFFFF;
  u32 sum = 0;
  for (u32 r = 0; r < scale; ++r) {
    for (int i = 0; i < N; ++i)
      for (int j = 0; j < N; ++j) {
        u32 acc = 0;
        for (int k = 0; k < N; ++k) acc += A[i][k] * B[k][j];
        C[i][j] = acc;
      }
    for (int i = 0; i < N; ++i)
      for (int j = 0; j < N; ++j) A[i][j] ^= C[i][j] >> 7, sum += C[i][j];
  }
  return sum;
}
