// Native-comparison harness for the x87/MMX/SSE tests: the same machine
// code runs as a 32-bit guest program (under every engine) and natively on
// the x86-64 host, and the test compares what both left behind. Expected
// values therefore come from the hardware, never from xlat.
//
// The code must mean the same in 32- and 64-bit mode: x87/MMX/SSE
// instructions and plain 32-bit moves qualify as long as memory is
// addressed through a base register (`[ebx+disp]` is `[rbx+disp]` in 64-bit
// mode; no absolute addresses, no INC/DEC (REX in 64-bit mode), no stack).
// Registers on entry: EBX = the data buffer, EDI = buffer + 0x800, EAX, ECX,
// EDX, ESI, EBP as given; EFLAGS' arithmetic bits as given. FPU on entry:
// FNINIT state with every data register +0.0, MXCSR 1F80H, XMM0-7 zero.
// After the run the harness compares the buffer, EAX..EDI (low 32 bits),
// the arithmetic flags, and the full x87/SSE state (an FXSAVE image; the
// instruction/data pointers are left out there since AMD hosts do not store
// them). Native runs must not trap: no waiting x87 instruction after an
// unmasked exception, no unmasked SSE exception, aligned SSE operands.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/exceptions.hpp"

namespace xlat::test {

constexpr uint32_t FPU_BUF = 0x100000;     // guest address of the data buffer
constexpr uint32_t FPU_BUF_SIZE = 0x40000;

struct FpuRun {
  std::vector<uint8_t> mem;     // the buffer after the run
  uint32_t gpr[8] = {};         // EAX..EDI (ESP unused)
  uint32_t eflags = 0;          // arithmetic flags
  uint8_t fx[512] = {};         // FXSAVE image of the final x87/SSE state
  uint32_t code_base = 0;       // address of the first code byte (low 32 bits)
  uint32_t buf_base = 0;        // address of the buffer (low 32 bits)
  std::optional<core::GuestFault> fault;  // guest only
  uint32_t fault_eip = 0;
};

struct FpuCase {
  std::string code;                  // nasm source, `bits 32` implied
  std::vector<uint8_t> init;         // initial buffer contents (rest zero)
  uint32_t eax = 0, ecx = 0, edx = 0, esi = 0, ebp = 0;
  uint32_t flags = 0;                // initial arithmetic flags
  // 28-byte protected-mode environments (FNSTENV/FNSAVE) stored at these
  // buffer offsets: their instruction/data pointers are compared relative
  // to the code/buffer base and their selectors are ignored.
  std::vector<uint32_t> env32;
  std::vector<std::pair<uint32_t, uint32_t>> ignore;  // buffer byte ranges [from, to) not compared
};

FpuRun run_native(const FpuCase& t);
FpuRun run_guest(const std::string& engine, const FpuCase& t);

// Differences between a native and a guest run, as readable lines ("" if
// none).
std::string fpu_diff(const FpuCase& t, const FpuRun& native, const FpuRun& guest);

// Runs `t` natively and under every engine; CHECKs that every engine ends as
// the host did and raised no exception. Returns the native run.
FpuRun check_native(const FpuCase& t);

// Helpers to fill FpuCase::init.
void put_bytes(std::vector<uint8_t>& buf, uint32_t off, const void* p, unsigned n);
void put_f80(std::vector<uint8_t>& buf, uint32_t off, uint64_t mant, uint16_t se);
void put_u32(std::vector<uint8_t>& buf, uint32_t off, uint32_t v);
void put_u64(std::vector<uint8_t>& buf, uint32_t off, uint64_t v);
void put_f32(std::vector<uint8_t>& buf, uint32_t off, float v);
void put_f64(std::vector<uint8_t>& buf, uint32_t off, double v);

}  // namespace xlat::test
