/* Multiboot side of the benchmark kernels: reads `scale=N` from the command
 * line, runs the kernel, prints "NAME checksum=XXXXXXXX" to port 0xE9 (xlat's
 * debug console, QEMU's -debugcon) and ends the run with a write of 0 to the
 * isa-debug-exit port 0xF4 (exit status 1 in xlat and QEMU). */
#include "bench.h"

static inline void outb(unsigned short port, u8 v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(unsigned short port, u32 v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }

static void puts_e9(const char* s) {
  while (*s) outb(0xE9, (u8)*s++);
}

static void hex_e9(u32 v) {
  for (int i = 28; i >= 0; i -= 4) outb(0xE9, (u8)"0123456789abcdef"[(v >> i) & 15]);
}

static u32 scale_from(const char* s) {
  u32 n = 1;
  for (; s && *s; ++s) {
    if (s[0] == 's' && s[1] == 'c' && s[2] == 'a' && s[3] == 'l' && s[4] == 'e' && s[5] == '=') {
      n = 0;
      for (s += 6; *s >= '0' && *s <= '9'; ++s) n = n * 10 + (u32)(*s - '0');
      return n ? n : 1;
    }
  }
  return n;
}

struct mb_info {
  u32 flags, mem_lower, mem_upper, boot_device, cmdline;
};

void mb_main(u32 magic, const struct mb_info* info) {
  const char* cmd = (magic == 0x2BADB002 && (info->flags & 4)) ? (const char*)info->cmdline : 0;
  const u32 sum = bench_run(scale_from(cmd));
  puts_e9(bench_name);
  puts_e9(" checksum=");
  hex_e9(sum);
  puts_e9("\n");
  outl(0xF4, 0);
}
