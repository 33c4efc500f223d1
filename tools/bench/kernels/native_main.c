/* Native side of the benchmark kernels: the same bench_run() as a static
 * 32-bit Linux program. Usage: NAME.native SCALE */
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"

int main(int argc, char** argv) {
  const u32 scale = argc > 1 ? (u32)strtoul(argv[1], 0, 10) : 1;
  printf("%s checksum=%08x\n", bench_name, bench_run(scale ? scale : 1));
  return 0;
}
