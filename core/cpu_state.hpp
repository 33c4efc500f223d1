// The architectural state of one x86 CPU, as a plain struct.
//
// The translator addresses these fields by offset from generated code, so
// the layout is part of the ABI between core/ and translator/: add fields at
// the end of a group, never reorder, and keep the static_asserts true.
// Widths are chosen for x86-64 from the start (ARCHITECTURE.md principle 11):
// general registers, EIP and segment bases are 64 bits wide even though the
// first target is a 32-bit P6-class CPU.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/flags.hpp"

namespace xlat::core {

enum Gpr : uint8_t { EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI };
enum SegReg : uint8_t { ES, CS, SS, DS, FS, GS, SEG_NONE = 7 };

// Segment "access rights" word (attr), laid out as descriptor bits 40..55:
// bits 0-3 type, 4 S, 5-6 DPL, 7 P, 12 AVL, 13 L, 14 D/B, 15 G.
namespace seg_attr {
constexpr uint16_t TYPE_ACCESSED = 1 << 0;
constexpr uint16_t TYPE_RW = 1 << 1;    // data: writable, code: readable
constexpr uint16_t TYPE_EC = 1 << 2;    // data: expand-down, code: conforming
constexpr uint16_t TYPE_CODE = 1 << 3;
constexpr uint16_t S = 1 << 4;          // code/data (not system)
constexpr uint16_t P = 1 << 7;
constexpr uint16_t L = 1 << 13;
constexpr uint16_t DB = 1 << 14;
constexpr uint16_t G = 1 << 15;
inline constexpr unsigned dpl(uint16_t a) { return (a >> 5) & 3; }
}  // namespace seg_attr

// Precomputed access permission bits of a loaded segment (Segment::access).
namespace seg_access {
constexpr uint8_t READ = 1;
constexpr uint8_t WRITE = 2;
constexpr uint8_t EXEC = 4;
}  // namespace seg_access

// A segment register with its hidden descriptor cache. `lo`/`hi` are the
// valid offset range derived from limit and expand-down (an access of n bytes
// at offset o is in range when o >= lo && o + n - 1 <= hi); `access` says what
// the segment may be used for (0 for a null selector in protected mode).
// Both are recomputed by Cpu::seg_refresh() whenever the cache changes.
struct Segment {
  uint64_t base;
  uint32_t limit;
  uint16_t sel;
  uint16_t attr;
  uint32_t lo;
  uint32_t hi;
  uint8_t access;
  uint8_t pad[7];
};
static_assert(sizeof(Segment) == 32);

struct DescTable {
  uint64_t base;
  uint32_t limit;
  uint32_t pad;
};

// MSR numbers the CPU implements.
namespace msr {
constexpr uint32_t TSC = 0x10;
constexpr uint32_t SYSENTER_CS = 0x174;
constexpr uint32_t SYSENTER_ESP = 0x175;
constexpr uint32_t SYSENTER_EIP = 0x176;
}  // namespace msr

namespace cr0 {
constexpr uint32_t PE = 1u << 0, MP = 1u << 1, EM = 1u << 2, TS = 1u << 3, ET = 1u << 4,
                   NE = 1u << 5, WP = 1u << 16, AM = 1u << 18, NW = 1u << 29, CD = 1u << 30,
                   PG = 1u << 31;
}
namespace cr4 {
constexpr uint32_t VME = 1u << 0, PVI = 1u << 1, TSD = 1u << 2, DE = 1u << 3, PSE = 1u << 4,
                   PAE = 1u << 5, MCE = 1u << 6, PGE = 1u << 7, PCE = 1u << 8,
                   OSFXSR = 1u << 9, OSXMMEXCPT = 1u << 10;
}

// x87/MMX/SSE state. Filled in by the floating-point work (its own issue);
// reserved here so the layout of what follows does not move.
struct FpuState {
  uint8_t raw[1024];
};

struct CpuState {
  uint64_t gpr[16];  // EAX..EDI (R8..R15 reserved for long mode)
  uint64_t eip;
  uint32_t eflags;   // see flags.hpp: arithmetic bits valid only when lf.op == LF_NONE
  uint32_t cpl;      // current privilege level (CS.RPL in protected mode, 3 in v86)
  LazyFlags lf;
  Segment seg[6];    // ES CS SS DS FS GS
  Segment ldtr;
  Segment tr;
  DescTable gdtr;
  DescTable idtr;
  uint64_t cr0, cr2, cr3, cr4;
  uint64_t dr[8];
  uint64_t tsc_offset;  // TSC = retired-time base + tsc_offset
  uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
  uint32_t a20_mask;    // physical address mask (0xFFEFFFFF when A20 is off)
  uint8_t halted;
  uint8_t irq_inhibit;  // one-instruction interrupt shadow after STI / MOV SS / POP SS
  uint8_t pad0[2];
  FpuState fpu;
};

static_assert(offsetof(CpuState, gpr) == 0);
static_assert(offsetof(CpuState, eip) == 128);
static_assert(offsetof(CpuState, eflags) == 136);
static_assert(std::is_standard_layout_v<CpuState>);

}  // namespace xlat::core
