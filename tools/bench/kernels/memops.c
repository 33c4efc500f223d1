/* memcpy/memset-heavy code: REP MOVSD/STOSD over 128 KiB buffers, plus many
 * short copies, `scale` times. */
#include "bench.h"

const char bench_name[] = "memops";

#define WORDS (32768)
static u32 src[WORDS], dst[WORDS];

u32 bench_run(u32 scale) {
  u32 s = 5, sum = 0;
  for (u32 i = 0; i < WORDS; ++i) src[i] = rng_next(&s);
  for (u32 r = 0; r < scale; ++r) {
    fill_words(dst, r, WORDS);
    copy_words(dst, src, WORDS);
    for (u32 off = 0; off + 16 <= WORDS; off += 61) copy_words(dst + off, src + (off ^ 0x100) % WORDS, 1 + (off & 15));
    sum += dst[r % WORDS] ^ dst[(r * 7919) % WORDS];
  }
  return sum;
}
