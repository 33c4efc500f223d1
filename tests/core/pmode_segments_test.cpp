// Protected-mode segment register loads (MOV Sreg): null selectors, table
// limits, type and privilege checks, not-present segments, the accessed bit,
// LDT selectors, and base/limit of the loaded segment (SDM vol. 2 MOV,
// vol. 3 5.4-5.6).
#include <catch2/catch.hpp>

#include "tests/core/pmode_fixture.hpp"

using namespace xlat;
using namespace xlat::pmtest;
using core::VEC_GP;
using core::VEC_NP;
using core::VEC_SS;

namespace {

// Extra descriptors used by the load cases.
constexpr uint16_t XO_CODE = 0x30, R_CODE = 0x38, NP_DATA = 0x40, LDT_SEL = 0x48, CONF_CODE = 0x50,
                   RO_DATA = 0x58, FRESH_DATA = 0x60, SMALL_DATA = 0x68, SMALL_STACK = 0x70;

void add_descriptors(Pm& pm) {
  pm.set_gdt(XO_CODE, seg(0, 0xFFFFF, ACC_CODE_XO));
  pm.set_gdt(R_CODE, seg(0, 0xFFFFF, ACC_CODE));
  pm.set_gdt(NP_DATA, seg(0, 0xFFFFF, ACC_DATA & NOT_PRESENT));
  pm.set_gdt(LDT_SEL, seg(LDT, 0x1F, ACC_LDT, 0));
  pm.set_gdt(CONF_CODE, seg(0, 0xFFFFF, ACC_CONF));
  pm.set_gdt(RO_DATA, seg(0, 0xFFFFF, ACC_DATA_RO));
  pm.set_gdt(FRESH_DATA, seg(0, 0xFFFFF, ACC_DATA));  // accessed bit clear
  pm.set_gdt(SMALL_DATA, seg(OUT, 0xFF, ACC_DATA, 0x4));  // byte granular, base OUT
  pm.set_gdt(SMALL_STACK, seg(0, 0xFFF, ACC_DATA, 0x4));
}

struct LoadCase {
  const char* what;
  unsigned sreg;   // 2 = SS, 3 = DS
  uint16_t sel;
  unsigned ring;
  int vec;         // -1: loads fine
  uint32_t error;
};

}  // namespace

TEST_CASE("a null selector loads into DS/ES/FS/GS and any use raises #GP(0)", "[pmode][segments]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      Pm pm(g);
      const auto p = assemble("start, use", R"(
start:  mov ax, 0
        mov ds, ax
        mov fs, ax
        mov ax, 3
        mov es, ax
        mov gs, ax
        mov ebx, 0x12345678
use:    mov eax, [es:0x7000]
        hlt)");
      pm.start(p);
      g.run();
      REQUIRE(g.fault);
      CHECK(g.fault->vector == VEC_GP);
      CHECK(g.fault->error == 0);
      CHECK(g.fault_eip == p.label(1));
      CHECK(g.reg(core::EBX) == 0x12345678);
      CHECK(g.cpu.s.seg[core::DS].sel == 0);
      CHECK(g.cpu.s.seg[core::ES].sel == 3);
      CHECK(g.cpu.s.seg[core::GS].sel == 3);
    }
  }
}

TEST_CASE("segment loads check limits, types, privilege and presence", "[pmode][segments]") {
  const LoadCase cases[] = {
      {"readable code into DS", 3, R_CODE, 0, -1, 0},
      {"execute-only code into DS", 3, XO_CODE, 0, VEC_GP, XO_CODE},
      {"not-present data into DS", 3, NP_DATA, 0, VEC_NP, NP_DATA},
      {"LDT descriptor into DS", 3, LDT_SEL, 0, VEC_GP, LDT_SEL},
      {"index beyond the GDT limit", 3, 0x200, 0, VEC_GP, 0x200},
      {"TI=1 with no LDT", 3, 0x0C, 0, VEC_GP, 0x0C},
      {"RPL 3 > DPL 0", 3, K_DATA | 3, 0, VEC_GP, K_DATA},
      {"CPL 3 > DPL 0", 3, K_DATA | 3, 3, VEC_GP, K_DATA},
      {"conforming code from ring 3", 3, CONF_CODE | 3, 3, -1, 0},
      {"ring-3 data from ring 3", 3, U_DATA, 3, -1, 0},
      {"null SS", 2, 0, 0, VEC_GP, 0},
      {"SS RPL != CPL", 2, K_DATA | 3, 0, VEC_GP, K_DATA},
      {"read-only SS", 2, RO_DATA, 0, VEC_GP, RO_DATA},
      {"code into SS", 2, R_CODE, 0, VEC_GP, R_CODE},
      {"SS DPL != CPL", 2, U_DATA & 0xFFFC, 0, VEC_GP, U_DATA & 0xFFFC},
      {"not-present SS", 2, NP_DATA, 0, VEC_SS, NP_DATA},
      {"ring-3 SS from ring 3", 2, U_DATA, 3, -1, 0},
  };
  for (const auto& e : test::engines()) {
    for (const LoadCase& lc : cases) {
      DYNAMIC_SECTION(e << ": " << lc.what) {
        test::Guest g(e);
        Pm pm(g);
        add_descriptors(pm);
        const auto p = assemble("start, load", std::string(R"(
start:  mov ax, )") + std::to_string(lc.sel) + "\nload:   mov " + (lc.sreg == 2 ? "ss" : "ds") +
                                                   ", ax\n        mov ebx, 1\n        hlt\n");
        pm.start(p);
        if (lc.ring == 3) {
          pm.enter_ring3();
          g.cpu.s.eip = p.label(0);
        }
        g.run();
        if (lc.vec < 0) {
          // Ring 3 ends at HLT with #GP(0); ring 0 halts.
          CHECK(g.reg(core::EBX) == 1);
          CHECK(g.cpu.s.seg[lc.sreg].sel == lc.sel);
          CHECK((g.cpu.s.seg[lc.sreg].attr & core::seg_attr::P));
        } else {
          REQUIRE(g.fault);
          CHECK(g.fault->vector == lc.vec);
          CHECK(g.fault->has_error);
          CHECK(g.fault->error == lc.error);
          CHECK(g.fault_eip == p.label(1));
          CHECK(g.reg(core::EBX) != 1);
        }
      }
    }
  }
}

TEST_CASE("loading a segment sets the accessed bit of its descriptor", "[pmode][segments]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      Pm pm(g);
      add_descriptors(pm);
      pm.start(assemble("start", R"(
start:  mov ax, 0x60
        mov fs, ax
        hlt)"));
      CHECK((pm.gdt(FRESH_DATA) >> 40 & 0xFF) == ACC_DATA);
      g.run();
      CHECK(!g.fault);
      CHECK((pm.gdt(FRESH_DATA) >> 40 & 0xFF) == (ACC_DATA | 1));
      CHECK((pm.gdt(SMALL_DATA) >> 40 & 0xFF) == ACC_DATA);  // never loaded
    }
  }
}

TEST_CASE("a loaded data segment applies its base and byte-granular limit", "[pmode][segments]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      Pm pm(g);
      add_descriptors(pm);
      const auto p = assemble("start, over", R"(
start:  mov ax, 0x68
        mov es, ax
        mov dword [es:0x10], 0xCAFEBABE
        mov dword [es:0xFC], 0x11223344   ; last dword inside the limit
over:   mov dword [es:0xFD], 0            ; crosses the limit 0xFF
        hlt)");
      pm.start(p);
      g.run();
      CHECK(g.read32(OUT + 0x10) == 0xCAFEBABE);
      CHECK(g.read32(OUT + 0xFC) == 0x11223344);
      REQUIRE(g.fault);
      CHECK(g.fault->vector == VEC_GP);
      CHECK(g.fault->error == 0);
      CHECK(g.fault_eip == p.label(1));
    }
  }
}

TEST_CASE("a stack access beyond the SS limit raises #SS(0)", "[pmode][segments]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      Pm pm(g);
      add_descriptors(pm);
      const auto p = assemble("start, bad", R"(
start:  mov ax, 0x70
        mov ss, ax
        mov eax, [ss:0xFFC]
bad:    mov eax, [ss:0x1000]
        hlt)");
      pm.start(p);
      g.run();
      REQUIRE(g.fault);
      CHECK(g.fault->vector == VEC_SS);
      CHECK(g.fault->error == 0);
      CHECK(g.fault_eip == p.label(1));
    }
  }
}

TEST_CASE("LDT selectors load through LLDT's table and check its limit", "[pmode][segments]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      Pm pm(g);
      add_descriptors(pm);
      pm.set_ldt(0x08, seg(0x100000, 0xF, ACC_DATA | dpl(0), 0xC));  // base 1 MiB, 64 KiB
      const auto p = assemble("start, bad", R"(
start:  mov ax, 0x48
        lldt ax
        mov ax, 0x0C                  ; LDT index 1
        mov es, ax
        mov dword [es:0x20], 0x5A5A5A5A
        sldt ebx
        mov ax, 0x24                  ; LDT index 4: beyond the limit 0x1F
bad:    mov fs, ax
        hlt)");
      pm.start(p);
      g.run();
      CHECK(g.read32(0x100020) == 0x5A5A5A5A);
      CHECK(g.reg(core::EBX) == LDT_SEL);
      REQUIRE(g.fault);
      CHECK(g.fault->vector == VEC_GP);
      CHECK(g.fault->error == 0x24);
      CHECK(g.fault_eip == p.label(1));
    }
  }
}
