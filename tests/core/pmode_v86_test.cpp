// Virtual-8086 mode entry and exit (SDM vol. 3 chapter 20, vol. 2 IRET and
// INT n): IRETD with VM=1 from ring 0, faults and INT n from v86 mode to a
// ring-0 handler with the v86 segment registers pushed and then nulled, the
// IOPL-sensitive INT n and IRET, and IRETD from the handler back into v86.
#include <catch2/catch.hpp>

#include "tests/core/pmode_fixture.hpp"

using namespace xlat;
using namespace xlat::pmtest;
using core::fl::VM;

namespace {

constexpr uint32_t V86_BASE = 0x20000;  // v86 CS = 0x2000

// The ring-0 program: enters v86 mode at 2000:start with the given EFLAGS
// and segments, and has a handler for the vectors the test points at it.
Program monitor(uint32_t eflags) {
  return assemble("start, handler, to_v86", R"(
start:  push dword 0x5000         ; GS
        push dword 0x4000         ; FS
        push dword 0x3000         ; DS
        push dword 0x2800         ; ES
        push dword 0x2000         ; SS
        push dword 0x0F00         ; ESP
        push dword )" + std::to_string(eflags) + R"(
        push dword 0x2000         ; CS
        movzx eax, word [0x20000]  ; EIP: the v86 program's entry
        push eax
to_v86: iretd
handler:
        mov ebx, 0x600D
        mov [ss:0x7000], esp       ; DS is null here
        hlt)");
}

// A v86 program assembled at offset 0 of segment 0x2000. It starts with a
// table of label offsets (words): entry first.
struct V86Prog {
  std::vector<uint8_t> bin;
  uint16_t label(unsigned k) const { return uint16_t(bin[2 * k] | bin[2 * k + 1] << 8); }
};
V86Prog v86_program(const std::string& labels, const std::string& body) {
  return V86Prog{test::nasm("bits 16\norg 0\ndw " + labels + "\n" + body)};
}

}  // namespace

TEST_CASE("IRETD enters v86 mode; a #GP there reaches ring 0 with the v86 segments pushed",
          "[pmode][v86]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.trap_faults = false;
      Pm pm(g);
      const auto mon = monitor(VM | 0x2);  // IOPL 0
      const auto v = v86_program("start, bad", R"(
start:  mov ax, 0x1234
        mov [0x10], ax            ; DS = 0x3000: linear 0x30010
        mov [es:0x10], ax         ; ES = 0x2800: linear 0x28010
bad:    cli                       ; IOPL 0: #GP(0)
        hlt)");
      pm.set_idt(core::VEC_GP, gate(K_CODE, mon.label(1), INT32, 0));
      g.load(v.bin, V86_BASE);
      pm.start(mon);
      g.run();
      CHECK(g.reg(core::EBX) == 0x600D);
      CHECK(pm.r16(0x30010) == 0x1234);
      CHECK(pm.r16(0x28010) == 0x1234);
      // The frame on the TSS ring-0 stack.
      const uint32_t esp = g.read32(OUT);
      CHECK(esp == K_STACK - 40);
      CHECK(g.read32(esp + 0) == 0);                // error code
      CHECK(g.read32(esp + 4) == v.label(1));       // EIP of the CLI
      CHECK(g.read32(esp + 8) == 0x2000);           // CS
      CHECK((g.read32(esp + 12) & VM) == VM);       // EFLAGS
      CHECK(g.read32(esp + 16) == 0x0F00);          // ESP
      CHECK(g.read32(esp + 20) == 0x2000);          // SS
      CHECK(g.read32(esp + 24) == 0x2800);          // ES
      CHECK(g.read32(esp + 28) == 0x3000);          // DS
      CHECK(g.read32(esp + 32) == 0x4000);          // FS
      CHECK(g.read32(esp + 36) == 0x5000);          // GS
      // The handler runs in protected mode at ring 0 with null data segments.
      CHECK(!(g.cpu.s.eflags & VM));
      CHECK(g.cpu.s.cpl == 0);
      CHECK(g.cpu.s.seg[core::CS].sel == K_CODE);
      CHECK(g.cpu.s.seg[core::SS].sel == K_DATA);
      for (unsigned s : {core::ES, core::DS, core::FS, core::GS}) CHECK(g.cpu.s.seg[s].sel == 0);
    }
  }
}

TEST_CASE("INT n and IRET in v86 mode with IOPL < 3 raise #GP(0)", "[pmode][v86]") {
  for (const auto& e : test::engines()) {
    for (const char* insn : {"int 0x21", "iret", "o32 iret"}) {
      DYNAMIC_SECTION(e << ": " << insn) {
        test::Guest g(e);
        Pm pm(g);
        const auto mon = monitor(VM | 0x2);
        const auto v = v86_program("start, bad", std::string(R"(
start:  nop
bad:    )") + insn + "\n        hlt");
        pm.set_idt(0x21, gate(K_CODE, mon.label(1), INT32, 3));
        g.load(v.bin, V86_BASE);
        pm.start(mon);
        g.run();
        REQUIRE(g.fault);
        CHECK(g.fault->vector == core::VEC_GP);
        CHECK(g.fault->error == 0);
        CHECK(g.fault_eip == v.label(1));
        CHECK((g.cpu.s.eflags & VM));
        CHECK(g.cpu.s.cpl == 3);
      }
    }
  }
}

TEST_CASE("with IOPL 3, v86 INT n reaches ring 0 and IRETD returns to v86 mode", "[pmode][v86]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      Pm pm(g);
      const auto mon = assemble("start, handler", R"(
start:  push dword 0x5000
        push dword 0x4000
        push dword 0x3000
        push dword 0x2800
        push dword 0x2000
        push dword 0x0F00
        push dword 0x23002        ; VM, IOPL 3
        push dword 0x2000
        movzx eax, word [0x20000]
        push eax
        iretd
handler:
        mov ebx, 0x600D
        mov [ss:0x7000], esp       ; DS is null here
        mov ax, 0x10
        mov ds, ax
        iretd)");
      const auto v = v86_program("start, back, end", R"(
start:  pushf                     ; a real-mode style IRET (IOPL 3)
        push cs
        push word next
        iret
next:   mov cx, 0x77
        int 0x21
back:   mov dx, [0x10]
end:    hlt)");
      pm.w16(0x30010, 0xBEEF);
      pm.set_idt(0x21, gate(K_CODE, mon.label(1), INT32, 3));
      g.load(v.bin, V86_BASE);
      pm.start(mon);
      g.run();
      REQUIRE(g.fault);  // HLT in v86 mode: #GP(0)
      CHECK(g.fault->vector == core::VEC_GP);
      CHECK(g.fault_eip == v.label(2));
      CHECK((g.reg(core::ECX) & 0xFFFF) == 0x77);
      CHECK(g.reg(core::EBX) == 0x600D);
      CHECK(g.read32(OUT) == K_STACK - 36);
      CHECK(g.read32(K_STACK - 36) == v.label(1));  // INT n pushes the next EIP
      // Back in v86 mode with the v86 segments restored from the frame.
      CHECK((g.reg(core::EDX) & 0xFFFF) == 0xBEEF);
      CHECK((g.cpu.s.eflags & (VM | core::fl::IOPL)) == (VM | core::fl::IOPL));
      CHECK(g.cpu.s.cpl == 3);
      CHECK(g.cpu.s.seg[core::DS].sel == 0x3000);
      CHECK(g.cpu.s.seg[core::DS].base == 0x30000);
      CHECK(g.cpu.s.seg[core::GS].sel == 0x5000);
      CHECK(g.cpu.s.seg[core::SS].sel == 0x2000);
      CHECK((g.reg(core::ESP) & 0xFFFF) == 0x0F00);
    }
  }
}

TEST_CASE("an interrupt from v86 mode must target a ring-0 non-conforming segment", "[pmode][v86]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      Pm pm(g);
      const auto mon = monitor(VM | 0x3002);  // IOPL 3
      const auto v = v86_program("start, bad", R"(
start:  nop
bad:    int 0x23
        hlt)");
      pm.set_idt(0x23, gate(U_CODE, mon.label(1), INT32, 3));
      g.load(v.bin, V86_BASE);
      pm.start(mon);
      g.run();
      REQUIRE(g.fault);
      CHECK(g.fault->vector == core::VEC_GP);
      CHECK(g.fault->error == (U_CODE & 0xFFFC));
      CHECK(g.fault_eip == v.label(1));
    }
  }
}
