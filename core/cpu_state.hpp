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
#include <type_traits>

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
constexpr uint32_t BIOS_SIGN_ID = 0x8B;  // microcode update signature (P6 and later)
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

// x87/MMX/SSE state (core/fpu/ holds the mechanisms that use it).
//
// The eight x87 data registers are kept by physical number R0..R7 with
// ST(i) = st[(top + i) & 7]; each is an 80-bit value laid out as in memory
// (64-bit significand, then sign and 15-bit exponent) in a 16-byte slot, as
// FXSAVE stores them. MMn aliases the significand of Rn: an MMX write sets
// st[n].mant and sets st[n].se to 0xFFFF; MMX instructions set top = 0 and
// tag every register valid, EMMS tags them all empty.
// The tag word is kept abridged (bit i set = Ri is not empty, FXSAVE's
// form); FSTENV/FSAVE derive the full two-bit tags from the contents as the
// hardware does. `fsw` is the status word with its TOP field (bits 11-13)
// always zero: TOP lives in `top` and x87_fsw() combines them.
namespace fcw_bits {
constexpr uint16_t IM = 1 << 0, DM = 1 << 1, ZM = 1 << 2, OM = 1 << 3, UM = 1 << 4, PM = 1 << 5,
                   EXC_MASKS = 0x3F, PC = 3 << 8, RC = 3 << 10, X = 1 << 12;
}
namespace fsw_bits {
constexpr uint16_t IE = 1 << 0, DE = 1 << 1, ZE = 1 << 2, OE = 1 << 3, UE = 1 << 4, PE = 1 << 5,
                   EXC = 0x3F, SF = 1 << 6, ES = 1 << 7, C0 = 1 << 8, C1 = 1 << 9, C2 = 1 << 10,
                   TOP = 7 << 11, C3 = 1 << 14, B = 1 << 15, CC = C0 | C1 | C2 | C3;
}
namespace mxcsr_bits {
constexpr uint32_t IE = 1 << 0, DE = 1 << 1, ZE = 1 << 2, OE = 1 << 3, UE = 1 << 4, PE = 1 << 5,
                   FLAGS = 0x3F, DAZ = 1 << 6, IM = 1 << 7, DM = 1 << 8, ZM = 1 << 9,
                   OM = 1 << 10, UM = 1 << 11, PM = 1 << 12, MASKS = 0x3F << 7, RC = 3 << 13,
                   FZ = 1 << 15;
constexpr uint32_t MASK = 0xFFFF;      // writable bits (FXSAVE's MXCSR_MASK; DAZ supported)
constexpr uint32_t DEFAULT = 0x1F80;   // all exceptions masked, round to nearest
}

struct X87Reg {
  uint64_t mant;    // significand (bit 63 = explicit integer bit); MMn
  uint16_t se;      // sign (bit 15) and biased exponent
  uint16_t pad[3];
};
static_assert(sizeof(X87Reg) == 16);

struct XmmReg {
  uint64_t q[2];    // little-endian lanes: byte k of the register is byte k of q
};
static_assert(sizeof(XmmReg) == 16);

struct FpuState {
  X87Reg st[8];     // physical registers R0..R7
  XmmReg xmm[16];   // XMM0-7 (8-15 reserved for long mode)
  uint16_t fcw;     // control word
  uint16_t fsw;     // status word, TOP field zero
  uint8_t top;      // TOP: physical number of ST(0)
  uint8_t ftw;      // abridged tag word: bit i set = Ri holds a value
  uint16_t fop;     // last non-control instruction's opcode (11 bits)
  uint32_t fip;     // its offset (real/v86 mode: offset too; see x87_env.cpp)
  uint16_t fcs;     // its CS selector
  uint16_t fds;     // its memory operand's segment selector
  uint32_t fdp;     // its memory operand's offset
  uint32_t mxcsr;
  uint8_t ferr;     // level of the FERR# output (see Cpu::ferr_out)
  uint8_t pad[1024 - 409];
};
static_assert(sizeof(FpuState) == 1024);
static_assert(offsetof(FpuState, st) == 0);
static_assert(offsetof(FpuState, xmm) == 128);
static_assert(offsetof(FpuState, fcw) == 384);
static_assert(offsetof(FpuState, fsw) == 386);
static_assert(offsetof(FpuState, top) == 388);
static_assert(offsetof(FpuState, ftw) == 389);
static_assert(offsetof(FpuState, fop) == 390);
static_assert(offsetof(FpuState, fip) == 392);
static_assert(offsetof(FpuState, fdp) == 400);
static_assert(offsetof(FpuState, mxcsr) == 404);
static_assert(offsetof(FpuState, ferr) == 408);

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
