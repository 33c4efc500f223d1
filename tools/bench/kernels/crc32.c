/* CRC-32 (IEEE, reflected, table-driven) over a 64 KiB buffer, `scale` times. */
#include "bench.h"

const char bench_name[] = "crc32";

static u32 table[256];
static u8 buf[65536];

u32 bench_run(u32 scale) {
  for (u32 i = 0; i < 256; ++i) {
    u32 c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  u32 s = 12345;
  for (u32 i = 0; i < sizeof buf; ++i) buf[i] = (u8)rng_next(&s);
  u32 sum = 0;
  for (u32 r = 0; r < scale; ++r) {
    u32 crc = 0xFFFFFFFFu ^ r;
    for (u32 i = 0; i < sizeof buf; ++i) crc = table[(crc ^ buf[i]) & 0xFF] ^ (crc >> 8);
    sum += ~crc;
  }
  return sum;
}
