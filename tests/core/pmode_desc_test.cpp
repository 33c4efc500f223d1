// Descriptor-table and selector instructions (SDM vol. 2): LTR/STR,
// LLDT/SLDT, LGDT/LIDT/SGDT/SIDT (16- and 32-bit operand sizes), LAR, LSL,
// VERR, VERW and ARPL, with their privilege and mode checks.
#include <catch2/catch.hpp>

#include "tests/core/pmode_fixture.hpp"

using namespace xlat;
using namespace xlat::pmtest;

namespace {

constexpr uint16_t TSS_AVAIL = 0x30, LDT_SEL = 0x38, XO_CODE = 0x40, CONF_CODE = 0x48, RO_DATA = 0x50,
                   INT_GATE = 0x58, CALL_GATE = 0x60, NP_TSS = 0x68, SMALL = 0x70, NP_LDT = 0x78;

void add_descriptors(Pm& pm) {
  pm.set_gdt(TSS_AVAIL, seg(TSS1, 0x67, ACC_TSS32, 0));
  pm.set_gdt(LDT_SEL, seg(LDT, 0x3F, ACC_LDT, 0));
  pm.set_gdt(XO_CODE, seg(0, 0xFFFFF, ACC_CODE_XO));
  pm.set_gdt(CONF_CODE, seg(0, 0xFFFFF, ACC_CONF));
  pm.set_gdt(RO_DATA, seg(0, 0xFFFFF, ACC_DATA_RO | dpl(3)));
  pm.set_gdt(INT_GATE, gate(K_CODE, 0x10000, INT32, 0));
  pm.set_gdt(CALL_GATE, gate(K_CODE, 0x10000, CALL32, 3));
  pm.set_gdt(NP_TSS, seg(TSS2, 0x67, ACC_TSS32 & NOT_PRESENT, 0));
  pm.set_gdt(SMALL, seg(0x123456, 0x1234, ACC_DATA | dpl(3), 0x4));
  pm.set_gdt(NP_LDT, seg(LDT, 0x3F, ACC_LDT & NOT_PRESENT, 0));
}

struct FaultCase {
  const char* what;
  std::string code;  // ends at label `bad` with the faulting instruction
  unsigned ring;
  uint8_t vec;
  uint32_t error;
};

void run_fault_cases(const std::vector<FaultCase>& cases) {
  for (const auto& e : test::engines()) {
    for (const FaultCase& k : cases) {
      DYNAMIC_SECTION(e << ": " << k.what) {
        test::Guest g(e);
        Pm pm(g);
        add_descriptors(pm);
        const auto p = assemble("start, bad", "start:  nop\n" + k.code + "\n        hlt");
        pm.start(p);
        if (k.ring == 3) {
          pm.enter_ring3();
          g.cpu.s.eip = p.label(0);
        }
        g.run();
        REQUIRE(g.fault);
        CHECK(g.fault->vector == k.vec);
        if (k.vec != core::VEC_UD) CHECK(g.fault->error == k.error);
        CHECK(g.fault_eip == p.label(1));
        CHECK(g.cpu.s.tr.sel == TSS0_SEL);
      }
    }
  }
}

}  // namespace

TEST_CASE("LTR loads an available TSS and marks it busy; STR reads TR", "[pmode][desc]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      Pm pm(g);
      add_descriptors(pm);
      pm.start(assemble("start", R"(
start:  mov ebx, 0xFFFFFFFF
        mov ax, 0x30
        ltr ax
        str ebx
        mov word [0x7000], 0xFFFF
        str [0x7000]
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(core::EBX) == TSS_AVAIL);
      CHECK(pm.r16(OUT) == TSS_AVAIL);
      CHECK(g.cpu.s.tr.sel == TSS_AVAIL);
      CHECK(g.cpu.s.tr.base == TSS1);
      CHECK(g.cpu.s.tr.limit == 0x67);
      CHECK(((pm.gdt(TSS_AVAIL) >> 40) & 0xFF) == (ACC_TSS32 | 2));
    }
  }
}

TEST_CASE("LTR and LLDT check their selector", "[pmode][desc]") {
  run_fault_cases({
      {"LTR null", "mov ax, 0\nbad: ltr ax", 0, core::VEC_GP, 0},
      {"LTR busy TSS", "mov ax, 0x28\nbad: ltr ax", 0, core::VEC_GP, TSS0_SEL},
      {"LTR LDT descriptor", "mov ax, 0x38\nbad: ltr ax", 0, core::VEC_GP, LDT_SEL},
      {"LTR TI=1", "mov ax, 0x34\nbad: ltr ax", 0, core::VEC_GP, 0x34},
      {"LTR beyond GDT", "mov ax, 0x300\nbad: ltr ax", 0, core::VEC_GP, 0x300},
      {"LTR not present", "mov ax, 0x68\nbad: ltr ax", 0, core::VEC_NP, NP_TSS},
      {"LTR at ring 3", "mov ax, 0x30\nbad: ltr ax", 3, core::VEC_GP, 0},
      {"LLDT TSS descriptor", "mov ax, 0x30\nbad: lldt ax", 0, core::VEC_GP, TSS_AVAIL},
      {"LLDT not present", "mov ax, 0x78\nbad: lldt ax", 0, core::VEC_NP, NP_LDT},
      {"LLDT at ring 3", "mov ax, 0x38\nbad: lldt ax", 3, core::VEC_GP, 0},
      {"LGDT at ring 3", "bad: lgdt [0x7000]", 3, core::VEC_GP, 0},
      {"LIDT at ring 3", "bad: lidt [0x7000]", 3, core::VEC_GP, 0},
  });
}

TEST_CASE("LLDT with a null selector invalidates LDTR", "[pmode][desc]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      Pm pm(g);
      add_descriptors(pm);
      pm.set_ldt(0x08, flat_data(0));
      const auto p = assemble("start, bad", R"(
start:  mov ax, 0x38
        lldt ax
        mov ax, 0x0C
        mov es, ax                ; fine through the LDT
        mov ax, 0
        lldt ax
        sldt ebx
        mov ax, 0x0C
bad:    mov fs, ax                ; no LDT now
        hlt)");
      pm.start(p);
      g.run();
      REQUIRE(g.fault);
      CHECK(g.fault->vector == core::VEC_GP);
      CHECK(g.fault->error == 0x0C);
      CHECK(g.fault_eip == p.label(1));
      CHECK(g.reg(core::EBX) == 0);
      CHECK(g.cpu.s.seg[core::ES].sel == 0x0C);
    }
  }
}

TEST_CASE("SGDT/SIDT store limit and base; a 16-bit operand size stores a 24-bit base",
          "[pmode][desc]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      Pm pm(g);
      pm.start(assemble("start", R"(
start:  mov dword [0x7004], 0xFFFFFFFF
        mov dword [0x700C], 0xFFFFFFFF
        sidt [0x7000]
        o16 sidt [0x7008]
        sgdt [0x7010]
        hlt)"));
      g.cpu.s.idtr.base = 0xAB123456;
      g.cpu.s.idtr.limit = 0x3FF;
      g.run();
      REQUIRE(!g.fault);
      CHECK(pm.r16(OUT) == 0x3FF);
      CHECK(g.read32(OUT + 2) == 0xAB123456);
      CHECK(pm.r16(OUT + 8) == 0x3FF);
      CHECK(g.read32(OUT + 0xA) == 0x00123456);
      CHECK(pm.r16(OUT + 0x10) == 0x1FF);
      CHECK(g.read32(OUT + 0x12) == GDT);
    }
  }
}

TEST_CASE("LGDT/LIDT load limit and base; a 16-bit operand size loads 24 bits", "[pmode][desc]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      Pm pm(g);
      pm.start(assemble("start", R"(
start:  mov word [0x7000], 0x0FFF
        mov dword [0x7002], 0xAB123456
        o16 lidt [0x7000]
        sidt [0x7010]
        mov word [0x7000], 0x01FF
        mov dword [0x7002], 0x00001000
        lgdt [0x7000]
        lidt [0x7000]
        sidt [0x7020]
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(pm.r16(OUT + 0x10) == 0x0FFF);
      CHECK(g.read32(OUT + 0x12) == 0x00123456);
      CHECK(pm.r16(OUT + 0x20) == 0x01FF);
      CHECK(g.read32(OUT + 0x22) == 0x1000);
      CHECK(g.cpu.s.gdtr.base == 0x1000);
    }
  }
}

TEST_CASE("LAR, LSL, VERR and VERW report descriptors through ZF", "[pmode][desc]") {
  struct Case {
    const char* insn;  // operates on selector CX
    uint16_t sel;
    unsigned ring;
    bool zf;
    uint32_t result;   // EAX when zf (EAX starts 0xDEADBEEF)
  };
  const uint32_t data3_hi = uint32_t(flat_data(3) >> 32);
  const Case cases[] = {
      {"lar eax, ecx", U_DATA, 0, true, data3_hi & 0x00FFFF00},
      {"lar ax, cx", U_DATA, 0, true, 0xDEAD0000 | (data3_hi & 0xFF00)},
      {"lar eax, ecx", 0, 0, false, 0},
      {"lar eax, ecx", INT_GATE, 0, false, 0},
      {"lar eax, ecx", CALL_GATE, 3, true, uint32_t(gate(K_CODE, 0x10000, CALL32, 3) >> 32) & 0x00FFFF00},
      {"lar eax, ecx", K_DATA | 3, 0, false, 0},     // RPL 3 > DPL 0
      {"lar eax, ecx", K_DATA, 3, false, 0},         // CPL 3 > DPL 0
      {"lar eax, ecx", CONF_CODE | 3, 3, true, uint32_t(seg(0, 0xFFFFF, ACC_CONF) >> 32) & 0x00FFFF00},
      {"lar eax, ecx", 0x400, 0, false, 0},          // beyond the GDT
      {"lsl eax, ecx", SMALL, 3, true, 0x1234},
      {"lsl eax, ecx", U_DATA, 0, true, 0xFFFFFFFF},
      {"lsl ax, cx", SMALL, 0, true, 0xDEAD1234},
      {"lsl eax, ecx", TSS_AVAIL, 0, true, 0x67},
      {"lsl eax, ecx", CALL_GATE, 0, false, 0},
      {"verr cx", K_CODE, 0, true, 0},
      {"verr cx", XO_CODE, 0, false, 0},
      {"verr cx", CONF_CODE | 3, 3, true, 0},
      {"verr cx", K_DATA, 3, false, 0},
      {"verr cx", TSS_AVAIL, 0, false, 0},
      {"verw cx", U_DATA, 3, true, 0},
      {"verw cx", RO_DATA, 3, false, 0},
      {"verw cx", K_CODE, 0, false, 0},
      {"verw cx", K_DATA | 3, 0, false, 0},
  };
  for (const auto& e : test::engines()) {
    for (const Case& k : cases) {
      DYNAMIC_SECTION(e << ": " << k.insn << " sel " << k.sel << " ring " << k.ring) {
        test::Guest g(e);
        Pm pm(g);
        add_descriptors(pm);
        const auto p = assemble("start, end", "start:  mov eax, 0xDEADBEEF\n        mov ecx, " +
                                                  std::to_string(k.sel) + "\n        " + k.insn +
                                                  "\n        setz bl\nend:    hlt");
        pm.start(p);
        if (k.ring == 3) {
          pm.enter_ring3();
          g.cpu.s.eip = p.label(0);
        }
        g.run();
        if (k.ring == 3) {
          REQUIRE(g.fault);  // the final HLT
          CHECK(g.fault_eip == p.label(1));
        } else {
          REQUIRE(!g.fault);
        }
        CHECK((g.reg(core::EBX) & 0xFF) == (k.zf ? 1u : 0u));
        if (k.insn[0] == 'l') CHECK(g.reg(core::EAX) == (k.zf ? k.result : 0xDEADBEEF));
      }
    }
  }
}

TEST_CASE("ARPL raises a selector's RPL", "[pmode][desc]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      Pm pm(g);
      pm.start(assemble("start", R"(
start:  mov ax, 0x0010
        mov cx, 0x0003
        arpl ax, cx               ; 0x10 -> 0x13, ZF=1
        setz bl
        mov word [0x7000], 0x0023
        mov dx, 0x0001
        arpl [0x7000], dx         ; RPL 3 >= 1: unchanged, ZF=0
        setz bh
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK((g.reg(core::EAX) & 0xFFFF) == 0x13);
      CHECK((g.reg(core::EBX) & 0xFFFF) == 0x0001);
      CHECK(pm.r16(OUT) == 0x23);
    }
  }
}

TEST_CASE("selector instructions raise #UD in real mode", "[pmode][desc]") {
  for (const auto& e : test::engines()) {
    for (const char* insn : {"str ax", "sldt ax", "ltr ax", "lldt ax", "lar ax, cx", "lsl ax, cx", "verr ax",
                             "verw ax", "arpl ax, cx"}) {
      DYNAMIC_SECTION(e << ": " << insn) {
        test::Guest g(e, test::Mode::Real16);
        g.load(test::nasm(std::string("bits 16\norg 0x7C00\n        nop\n        ") + insn + "\n        hlt"),
               0x7C00);
        g.run();
        REQUIRE(g.fault);
        CHECK(g.fault->vector == core::VEC_UD);
        CHECK(g.fault_eip == 0x7C01);
      }
    }
  }
}

TEST_CASE("LGDT, LIDT and SGDT work in real mode", "[pmode][desc]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e, test::Mode::Real16);
      g.load(test::nasm(R"(bits 16
org 0x7C00
        mov word [0x600], 0x27
        mov dword [0x602], 0x00FF8000
        o32 lgdt [0x600]
        sgdt [0x610]
        hlt)"),
             0x7C00);
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.cpu.s.gdtr.base == 0xFF8000);
      CHECK(g.cpu.s.gdtr.limit == 0x27);
      CHECK(g.read32(0x612) == 0x00FF8000);
    }
  }
}
