// Helpers shared by the system, paging and debug tests: descriptor tables
// and page tables built in guest memory, and an assembly prelude with macros
// for IDT gates, entering ring 3 (SYSEXIT) and enabling paging.
//
// Guest memory layout used by these tests (Flat32 guests, code at 0x10000):
//   0x1000  GDT: 0x08 ring-0 code, 0x10 ring-0 data, 0x18 ring-3 code,
//                0x20 ring-3 data, 0x28 32-bit TSS (the layout SYSENTER/
//                SYSEXIT require with SYSENTER_CS = 0x08)
//   0x2000  IDT (256 gates, all not present until SET_GATE)
//   0x3000  TSS (ESP0 = 0x90000, SS0 = 0x10), I/O bitmap at 0x3068 (all
//           ports denied, then a 0xFF byte)
//   0x60000 ring-3 stack top, 0x80000 ring-0 stack top, 0x90000 TSS ESP0
//   0x200000 page directory, page tables allocated from 0x201000
#pragma once

#include <cstdint>
#include <string>

#include "tests/support/guest.hpp"

namespace xlat::test {

constexpr uint32_t GDT = 0x1000, IDT = 0x2000, TSS = 0x3000, IOMAP = TSS + 0x68;
constexpr uint32_t IOMAP_BYTES = 8192;
constexpr uint16_t KCODE = 0x08, KDATA = 0x10, UCODE = 0x1B, UDATA = 0x23, TSS_SEL = 0x28;
constexpr uint32_t USER_STACK = 0x60000;
constexpr uint32_t PAGE_DIR = 0x200000;

inline uint64_t descriptor(uint32_t base, uint32_t limit, uint32_t access, uint32_t flags) {
  const uint32_t lo = (limit & 0xFFFF) | (base << 16);
  const uint32_t hi = ((base >> 16) & 0xFF) | (access << 8) | (limit & 0xF0000) | (flags << 20) |
                      (base & 0xFF000000u);
  return uint64_t(hi) << 32 | lo;
}

inline void write64(Guest& g, uint32_t a, uint64_t v) {
  g.write32(a, uint32_t(v));
  g.write32(a + 4, uint32_t(v >> 32));
}

inline void write8(Guest& g, uint32_t a, uint8_t v) { g.m.bus.copy_to(a, &v, 1); }

// Writes the GDT, IDT (empty) and TSS, and loads GDTR, IDTR, TR and the
// segment selectors as if the guest had done it (the caches are already flat).
inline void setup_tables(Guest& g) {
  using namespace core;
  write64(g, GDT, 0);
  write64(g, GDT + 0x08, descriptor(0, 0xFFFFF, 0x9B, 0xC));  // ring-0 code
  write64(g, GDT + 0x10, descriptor(0, 0xFFFFF, 0x93, 0xC));  // ring-0 data
  write64(g, GDT + 0x18, descriptor(0, 0xFFFFF, 0xFB, 0xC));  // ring-3 code
  write64(g, GDT + 0x20, descriptor(0, 0xFFFFF, 0xF3, 0xC));  // ring-3 data
  const uint32_t tss_limit = 0x68 + IOMAP_BYTES;              // includes the final 0xFF byte
  write64(g, GDT + 0x28, descriptor(TSS, tss_limit, 0x8B, 0x0));
  for (uint32_t a = IDT; a < IDT + 0x800; a += 4) g.write32(a, 0);
  for (uint32_t a = TSS; a < TSS + 0x68; a += 4) g.write32(a, 0);
  g.write32(TSS + 4, 0x90000);  // ESP0
  g.write32(TSS + 8, KDATA);    // SS0
  g.write32(TSS + 0x64, 0x68u << 16);  // I/O map base
  for (uint32_t i = 0; i <= IOMAP_BYTES; ++i) write8(g, IOMAP + i, 0xFF);
  Cpu& c = g.cpu;
  c.s.gdtr = DescTable{GDT, 0x2F, 0};
  c.s.idtr = DescTable{IDT, 0x7FF, 0};
  c.s.tr.sel = TSS_SEL;
  c.s.tr.base = TSS;
  c.s.tr.limit = tss_limit;
  c.s.tr.attr = seg_attr::P | 0xB;
  c.s.seg[CS].sel = KCODE;
  for (unsigned s : {ES, SS, DS, FS, GS}) c.s.seg[s].sel = KDATA;
}

// Allows ports [port, port+n) in the TSS I/O bitmap.
inline void allow_ports(Guest& g, uint16_t port, unsigned n) {
  for (unsigned p = port; p < port + n; ++p) {
    uint8_t b = g.read8(IOMAP + p / 8);
    write8(g, IOMAP + p / 8, uint8_t(b & ~(1u << (p % 8))));
  }
}

// 32-bit page tables in guest memory.
struct PageTables {
  static constexpr uint32_t P = 1, RW = 2, US = 4, A = 0x20, D = 0x40, PS = 0x80, G = 0x100;
  Guest& g;
  uint32_t next_pt = PAGE_DIR + 0x1000;

  explicit PageTables(Guest& gg) : g(gg) {
    for (uint32_t a = PAGE_DIR; a < PAGE_DIR + 0x1000; a += 4) g.write32(a, 0);
  }
  uint32_t pde_addr(uint32_t lin) const { return PAGE_DIR + (lin >> 22) * 4; }
  uint32_t pde(uint32_t lin) const { return g.read32(pde_addr(lin)); }
  uint32_t pte_addr(uint32_t lin) const { return (pde(lin) & ~0xFFFu) + ((lin >> 12) & 0x3FF) * 4; }
  uint32_t pte(uint32_t lin) const { return g.read32(pte_addr(lin)); }

  // Maps a 4 KiB page; the PDE (created P|RW|US if missing) gets `pde_flags` if given.
  void map4k(uint32_t lin, uint32_t phys, uint32_t flags, uint32_t pde_flags = P | RW | US) {
    uint32_t d = pde(lin);
    if (!(d & P) || (d & PS)) {
      const uint32_t pt = next_pt;
      next_pt += 0x1000;
      for (uint32_t a = pt; a < pt + 0x1000; a += 4) g.write32(a, 0);
      d = pt;
    }
    g.write32(pde_addr(lin), (d & ~0xFFFu) | pde_flags);
    g.write32(pte_addr(lin), (phys & ~0xFFFu) | flags);
  }
  void map4m(uint32_t lin, uint32_t phys, uint32_t flags) {
    g.write32(pde_addr(lin), (phys & 0xFFC00000u) | flags | PS);
  }
  // Identity-maps [from, to) with 4 KiB pages.
  void identity(uint32_t from, uint32_t to, uint32_t flags) {
    for (uint32_t a = from; a < to; a += 0x1000) map4k(a, a, flags);
  }
  // The usual test map: the first 4 MiB identity-mapped, supervisor, writable;
  // page tables themselves included.
  void identity_low(uint32_t flags = P | RW) { identity(0, 0x400000, flags); }
};

// Assembly prelude for Flat32 guests at Guest::CODE.
inline std::string prelude32() {
  return R"(bits 32
org 0x10000
; SET_GATE vector, handler[, type_dpl]: a 32-bit interrupt gate to KCODE:handler
%macro SET_GATE 2-3 0x8E00
  mov eax, %2
  mov [0x2000 + (%1)*8], ax
  mov word [0x2000 + (%1)*8 + 2], 0x08
  mov word [0x2000 + (%1)*8 + 4], %3
  shr eax, 16
  mov [0x2000 + (%1)*8 + 6], ax
%endmacro
; TO_RING3 label: SYSEXIT to ring 3 at label with ESP = 0x60000
; (SYSENTER_CS = 0x08; clobbers EAX, ECX, EDX)
%macro TO_RING3 1
  mov ecx, 0x174
  mov eax, 0x08
  xor edx, edx
  wrmsr
  mov edx, %1
  mov ecx, 0x60000
  sysexit
%endmacro
; ENABLE_PAGING: CR3 = 0x200000, CR0.PG = 1 (clobbers EAX)
%macro ENABLE_PAGING 0
  mov eax, 0x200000
  mov cr3, eax
  mov eax, cr0
  or eax, 0x80000000
  mov cr0, eax
%endmacro
)";
}

}  // namespace xlat::test
