// Helpers for the protected-mode tests (tests/core/pmode_*_test.cpp):
// descriptors, gates and TSSs encoded from the SDM's layouts and written into
// guest memory, and programs whose label addresses the test can read.
//
// Guest memory layout (Flat32 guests, code at 0x10000):
//   0x1000  GDT (64 entries; the standard ones below, tests add more)
//   0x2000  IDT (256 gates, none present until a test sets one)
//   0x3000  TSS of the running task (32-bit, ESP0 = K_STACK, SS0 = K_DATA)
//   0x3400, 0x3800, 0x3C00  more TSSs; 0x4000 an LDT
//   0x50000 ring-3 stack top, 0x60000 ring-0 stack top (TSS ESP0),
//   0x68000 stack top of other tasks, 0x7000 scratch memory for results.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "core/mode/descriptors.hpp"
#include "tests/support/guest.hpp"

namespace xlat::pmtest {

using core::Cpu;

constexpr uint32_t GDT = 0x1000, IDT = 0x2000, TSS0 = 0x3000, TSS1 = 0x3400, TSS2 = 0x3800, TSS3 = 0x3C00,
                   LDT = 0x4000, OUT = 0x7000;
constexpr uint32_t U_STACK = 0x50000, K_STACK = 0x60000, T_STACK = 0x68000;
constexpr uint16_t K_CODE = 0x08, K_DATA = 0x10, U_CODE = 0x1B, U_DATA = 0x23, TSS0_SEL = 0x28;

// Access bytes (descriptor bits 40..47) without DPL.
constexpr uint8_t ACC_CODE = 0x9A;     // present, code, readable
constexpr uint8_t ACC_CODE_XO = 0x98;  // present, code, execute-only
constexpr uint8_t ACC_CONF = 0x9E;     // present, conforming readable code
constexpr uint8_t ACC_DATA = 0x92;     // present, writable data
constexpr uint8_t ACC_DATA_RO = 0x90;  // present, read-only data
constexpr uint8_t ACC_TSS32 = 0x89;    // present, available 32-bit TSS
constexpr uint8_t ACC_TSS16 = 0x81;    // present, available 16-bit TSS
constexpr uint8_t ACC_LDT = 0x82;      // present LDT
constexpr uint8_t NOT_PRESENT = 0x7F;  // AND mask clearing P
inline uint8_t dpl(unsigned d) { return uint8_t(d << 5); }

// A segment descriptor; flags = G D/B L AVL nibble (0xC: 4 KiB pages, 32-bit).
inline uint64_t seg(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags = 0xC) {
  const uint32_t lo = (limit & 0xFFFF) | (base << 16);
  const uint32_t hi = ((base >> 16) & 0xFF) | (uint32_t(access) << 8) | (limit & 0xF0000) |
                      (uint32_t(flags & 0xF) << 20) | (base & 0xFF000000u);
  return uint64_t(hi) << 32 | lo;
}
inline uint64_t flat_code(unsigned d) { return seg(0, 0xFFFFF, ACC_CODE | dpl(d)); }
inline uint64_t flat_data(unsigned d) { return seg(0, 0xFFFFF, ACC_DATA | dpl(d)); }

// A gate (call, interrupt, trap, task): type is the 4-bit system type.
inline uint64_t gate(uint16_t sel, uint32_t off, unsigned type, unsigned d, unsigned params = 0,
                     bool present = true) {
  const uint32_t lo = (off & 0xFFFF) | (uint32_t(sel) << 16);
  const uint32_t hi = (off & 0xFFFF0000u) | (present ? 0x8000u : 0) | (d << 13) | (type << 8) | (params & 0x1F);
  return uint64_t(hi) << 32 | lo;
}
constexpr unsigned INT32 = 14, TRAP32 = 15, INT16 = 6, TRAP16 = 7, TASK = 5, CALL32 = 12, CALL16 = 4;

// A program assembled at 0x10000 that starts with a table of label
// addresses: `labels` is a comma-separated list whose first entry is where
// execution starts. label(k) is the address of the k-th.
struct Program {
  std::vector<uint8_t> bin;
  uint32_t label(unsigned k) const {
    uint32_t v;
    std::memcpy(&v, bin.data() + 4 * k, 4);
    return v;
  }
};
inline Program assemble(const std::string& labels, const std::string& body) {
  return Program{test::nasm("bits 32\norg 0x10000\ndd " + labels + "\n" + body)};
}

struct Pm {
  test::Guest& g;
  Cpu& c;

  explicit Pm(test::Guest& guest) : g(guest), c(guest.cpu) { setup(); }

  void w8(uint32_t a, uint8_t v) { g.m.bus.copy_to(a, &v, 1); }
  void w16(uint32_t a, uint16_t v) { g.m.bus.copy_to(a, &v, 2); }
  void w32(uint32_t a, uint32_t v) { g.write32(a, v); }
  void w64(uint32_t a, uint64_t v) {
    w32(a, uint32_t(v));
    w32(a + 4, uint32_t(v >> 32));
  }
  uint16_t r16(uint32_t a) {
    uint16_t v = 0;
    g.m.bus.copy_from(a, &v, 2);
    return v;
  }
  uint32_t r32(uint32_t a) { return g.read32(a); }
  uint64_t r64(uint32_t a) { return uint64_t(r32(a + 4)) << 32 | r32(a); }

  void set_gdt(uint16_t sel, uint64_t d) { w64(GDT + (sel & 0xFFF8), d); }
  uint64_t gdt(uint16_t sel) { return r64(GDT + (sel & 0xFFF8)); }
  void set_idt(unsigned vec, uint64_t d) { w64(IDT + vec * 8, d); }
  void set_ldt(uint16_t sel, uint64_t d) { w64(LDT + (sel & 0xFFF8), d); }

  // A 32-bit TSS at `base` for a flat task starting at eip.
  void tss32(uint32_t base, uint32_t eip, uint32_t esp, uint16_t cs = K_CODE, uint16_t ds = K_DATA,
             uint32_t eflags = 0x2) {
    for (uint32_t a = base; a < base + 0x68; a += 4) w32(a, 0);
    w32(base + 0x04, K_STACK);
    w32(base + 0x08, K_DATA);
    w32(base + 0x20, eip);
    w32(base + 0x24, eflags);
    w32(base + 0x38, esp);
    for (unsigned s = 0; s < 6; ++s) w32(base + 0x48 + s * 4, s == 1 ? cs : ds);
    w32(base + 0x64, 0x68u << 16);
  }

  void setup() {
    using namespace core;
    for (uint32_t a = GDT; a < GDT + 0x200; a += 4) w32(a, 0);
    for (uint32_t a = IDT; a < IDT + 0x800; a += 4) w32(a, 0);
    set_gdt(K_CODE, flat_code(0));
    set_gdt(K_DATA, flat_data(0));
    set_gdt(U_CODE, flat_code(3));
    set_gdt(U_DATA, flat_data(3));
    set_gdt(TSS0_SEL, seg(TSS0, 0x67, 0x8B, 0));  // busy: the running task
    tss32(TSS0, 0, 0);
    c.s.gdtr.base = GDT;
    c.s.gdtr.limit = 0x1FF;
    c.s.idtr.base = IDT;
    c.s.idtr.limit = 0x7FF;
    load(CS, K_CODE);
    for (unsigned s : {SS, DS, ES, FS, GS}) load(s, K_DATA);
    c.s.cpl = 0;
    core::Descriptor t{uint32_t(gdt(TSS0_SEL)), uint32_t(gdt(TSS0_SEL) >> 32)};
    core::load_cache(c.s.tr, TSS0_SEL, t);
    c.s.gpr[core::ESP] = K_STACK - 0x1000;  // the ring-0 code's own stack, below ESP0
  }

  // Loads a segment register's cache from the GDT as the CPU would (no checks).
  void load(unsigned sreg, uint16_t sel) {
    core::Descriptor d{uint32_t(gdt(sel)), uint32_t(gdt(sel) >> 32)};
    core::load_cache(c.s.seg[sreg], sel, d);
    c.seg_refresh(sreg);
  }

  // Starts the program at ring 3 (CS = U_CODE, data and stack = U_DATA).
  void enter_ring3() {
    using namespace core;
    load(CS, U_CODE);
    for (unsigned s : {SS, DS, ES, FS, GS}) load(s, U_DATA);
    c.s.cpl = 3;
    c.s.gpr[ESP] = U_STACK;
  }

  // Loads a program and starts it at its first label.
  void start(const Program& p) {
    g.load(p.bin);
    c.s.eip = p.label(0);
  }
};

}  // namespace xlat::pmtest
