// Benchmark workloads: small flat 32-bit guest programs.
//
// Every workload is assembled (nasm, at run time) into one image at
// IMAGE_BASE that every runner loads unchanged: a multiboot header (so QEMU
// can boot it with -kernel), the iteration count at a fixed offset, the entry
// point, the loop, and a `done` slot that each runner patches with its own
// way to stop (HLT for xlat, a jump to the native epilogue, an isa-debug-exit
// write for QEMU). The instructions executed per iteration are the same
// everywhere; xlat's retired-instruction counter measures them exactly.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace xlat::bench {

constexpr uint32_t IMAGE_BASE = 0x100000;  // 1 MiB: code
constexpr uint32_t DATA_BASE = 0x200000;   // arrays the workloads use
constexpr uint32_t STACK_TOP = 0x300000;
constexpr uint32_t MAP_END = 0x400000;     // everything a workload touches is below

struct Workload {
  std::string name;
  std::string what;  // one line for the table
  std::string body;  // nasm: runs ECX iterations, falls through at the end
};

const std::vector<Workload>& workloads();

struct Image {
  std::vector<uint8_t> bytes;  // loaded at IMAGE_BASE
  uint32_t entry = 0;
  uint32_t iters_off = 0;      // offset of the iteration-count dword
  uint32_t done_off = 0;       // offset of the 16-byte stop slot
  void set_iterations(uint32_t n);
  // Writes `code` (at most 16 bytes) into the stop slot.
  void set_stop(const std::vector<uint8_t>& code);
};

// Assembles a workload (throws std::runtime_error with nasm's messages).
Image assemble(const Workload& w);

}  // namespace xlat::bench
