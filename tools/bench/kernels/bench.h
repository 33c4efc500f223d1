/* The C benchmark kernels (tools/bench/kernels): each file defines
 * bench_run(scale), a deterministic computation whose work grows linearly
 * with `scale`, returning a checksum of its result. The same C is built twice:
 * as a multiboot kernel (mb_start.S + mb_main.c: xlat and QEMU boot it, the
 * checksum goes to port 0xE9, the run ends through the isa-debug-exit port)
 * and as a static 32-bit Linux program (native_main.c) for the native column.
 * No libc in the kernels: the helpers below are all they use, built the same
 * way in both forms so every column runs the same instructions. */
#ifndef XLAT_BENCH_H
#define XLAT_BENCH_H

typedef unsigned int u32;
typedef int i32;
typedef unsigned char u8;
typedef unsigned long long u64;

u32 bench_run(u32 scale);
extern const char bench_name[];

/* REP MOVSD / REP STOSD: string instructions, as a kernel's memcpy uses. */
static inline void copy_words(void* dst, const void* src, u32 n) {
  __asm__ volatile("rep movsl" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}
static inline void fill_words(void* dst, u32 v, u32 n) {
  __asm__ volatile("rep stosl" : "+D"(dst), "+c"(n) : "a"(v) : "memory");
}

/* xorshift32: the kernels' input data. */
static inline u32 rng_next(u32* s) {
  u32 x = *s;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return *s = x;
}

#endif
