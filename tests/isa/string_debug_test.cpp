// String instructions with the debug registers: an instruction breakpoint on
// a REP instruction fires once, when the instruction is first attempted, not
// again each time the emulator resumes it after yielding between iterations.
#include <catch2/catch.hpp>

#include "tests/core/system_guest_util.hpp"

using namespace xlat;
using core::EAX, core::ECX, core::EDI;

TEST_CASE("an instruction breakpoint on a long REP fires once", "[isa][flow][string][rep][debug]") {
  for (const auto& e : test::engines()) {
    for (bool backward : {false, true}) {
      DYNAMIC_SECTION(e << (backward ? " backward" : " forward")) {
        test::Guest g(e);
        test::setup_tables(g);
        g.trap_faults = false;  // the #DB goes to the guest's handler
        g.load(test::nasm(test::prelude32() + std::string(backward ? "%define DIR std\n%define START 0x200000 + 199999\n" : "%define DIR cld\n%define START 0x200000\n") + R"(
          SET_GATE 1, db_handler
          mov esp, 0x80000
          mov dword [0x9000], 0
          mov edi, START
          mov ecx, 200000
          mov al, 0x3C
          DIR
          jmp rep_insn
          times 0x100 - ($ - $$) nop
        rep_insn:                ; Guest::CODE + 0x100
          rep stosb
          hlt
        db_handler:
          inc dword [0x9000]
          or dword [esp + 8], 0x10000   ; RF in the EFLAGS image: resume past the breakpoint
          iretd)"));
        g.cpu.s.dr[0] = test::Guest::CODE + 0x100;
        g.cpu.s.dr[7] = 0x401;  // L0, execute, 1 byte
        g.cpu.debug_regs_changed();
        g.run();
        CHECK(g.cpu.s.halted);
        CHECK(g.read32(0x9000) == 1);
        CHECK(g.reg(ECX) == 0);
        CHECK(g.read8(0x200000) == 0x3C);
        CHECK(g.read8(0x200000 + 199999) == 0x3C);
      }
    }
  }
}
