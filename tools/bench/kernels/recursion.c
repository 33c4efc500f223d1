/* Recursion-heavy code: naive Fibonacci and Ackermann(2, n), calls and
 * returns dominating, `scale` times. */
#include "bench.h"

const char bench_name[] = "recursion";

__attribute__((noinline)) static u32 fib(u32 n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

__attribute__((noinline)) static u32 ack(u32 m, u32 n) {
  if (m == 0) return n + 1;
  if (n == 0) return ack(m - 1, 1);
  return ack(m - 1, ack(m, n - 1));
}

u32 bench_run(u32 scale) {
  u32 sum = 0;
  for (u32 r = 0; r < scale; ++r) sum += fib(22 + (r & 1)) + ack(2, 200 + (r & 3));
  return sum;
}
