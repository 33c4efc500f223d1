// PUSHF/POPF in virtual-8086 mode (SDM PUSHF, POPF; vol. 3 "virtual mode
// extensions"): with IOPL 3 they work but POPF cannot change IOPL; with
// IOPL < 3 they raise #GP(0), except the 16-bit forms under CR4.VME, which
// use VIF in place of IF. The guest state is set up directly in v86 mode;
// the programs end at HLT, which is #GP(0) at CPL 3.
#include <catch2/catch.hpp>

#include "tests/support/guest.hpp"

using namespace xlat;
using core::EAX, core::ECX, core::EDX, core::EBX, core::ESP;
namespace fl = core::fl;

namespace {

constexpr uint32_t CODE_SEG = 0x1000;  // v86 code at linear 0x10000

// Enters v86 mode at CODE_SEG:0 with the given IOPL/IF/VIF/VIP bits and CR4.
void enter_v86(test::Guest& g, uint32_t eflags, bool vme) {
  g.cpu.s.eflags = fl::FIXED1 | fl::VM | eflags;
  g.cpu.s.lf.op = core::LF_NONE;
  if (vme) g.cpu.s.cr4 |= core::cr4::VME;
  for (unsigned s = 0; s < 6; ++s) g.cpu.load_seg_real(s, s == core::CS ? CODE_SEG : 0);
  g.cpu.mode_changed();
  g.cpu.s.eip = 0;
  g.cpu.s.gpr[ESP] = 0x8000;
}

// Assembles and runs `body`; returns the IP of the instruction that faulted.
uint32_t run_v86(test::Guest& g, const std::string& body, uint32_t eflags, bool vme) {
  const auto code = test::nasm("bits 16\n" + body + "\n hlt");
  g.m.bus.copy_to(CODE_SEG * 16, code.data(), code.size());
  enter_v86(g, eflags, vme);
  g.run();
  REQUIRE(g.fault);
  return g.fault_eip;
}

uint32_t hlt_ip(const std::string& body) { return uint32_t(test::nasm("bits 16\n" + body).size()); }

}  // namespace

TEST_CASE("pushf/popf in v86 mode with IOPL 3", "[isa][flow][stack][popf][v86]") {
  const std::string body = R"(
        pushf
        pop ax
        push word 0x0202        ; IOPL 0, IF
        popf
        pushfd
        pop ebx
        push dword 0x00240002   ; AC, ID; IF clear
        popfd
        pushfd
        pop ecx)";
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      CHECK(run_v86(g, body, fl::IOPL, false) == hlt_ip(body));
      CHECK(g.fault->vector == core::VEC_GP);
      CHECK((g.reg(EAX) & 0xFFFF) == 0x3002);
      CHECK(g.reg(EBX) == 0x3202);  // IOPL kept, IF set; VM reads as 0 in the pushed image
      CHECK(g.reg(ECX) == 0x00243002);
      CHECK((g.cpu.s.eflags & fl::VM) != 0);
    }
  }
}

TEST_CASE("pushf/popf in v86 mode with IOPL < 3 and no VME raise #GP(0)", "[isa][flow][stack][popf][v86]") {
  for (const auto& e : test::engines()) {
    for (const char* insn : {"pushf", "popf", "pushfd", "popfd"}) {
      DYNAMIC_SECTION(e << " " << insn) {
        test::Guest g(e);
        g.write32(0x8000, 0x0202);
        const std::string body = std::string("mov dx, 1\n ") + insn;
        CHECK(run_v86(g, body, fl::IF, false) == 3);
        CHECK(g.fault->vector == core::VEC_GP);
        CHECK(g.fault->error == 0);
        CHECK(g.reg(ESP) == 0x8000);
        CHECK((g.cpu.s.eflags & fl::IF) != 0);
      }
    }
  }
}

TEST_CASE("16-bit pushf/popf under CR4.VME use VIF", "[isa][flow][stack][popf][v86]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e << " pushf shows VIF as IF and IOPL as 3") {
      test::Guest g(e);
      const std::string body = "pushf\n pop ax";
      CHECK(run_v86(g, body, fl::VIF | (1u << 12), true) == hlt_ip(body));
      CHECK((g.reg(EAX) & 0xFFFF) == 0x3202);
    }
    DYNAMIC_SECTION(e << " popf moves IF into VIF and leaves IF and IOPL") {
      test::Guest g(e);
      const std::string body = "push word 0x3202\n popf\n pushf\n pop ax\n push word 0x0002\n popf\n pushf\n pop bx";
      CHECK(run_v86(g, body, fl::IF, true) == hlt_ip(body));
      CHECK((g.reg(EAX) & 0xFFFF) == 0x3202);  // VIF now set
      CHECK((g.reg(EBX) & 0xFFFF) == 0x3002);  // VIF clear again
      CHECK((g.cpu.s.eflags & fl::IF) != 0);
      CHECK((g.cpu.s.eflags & fl::IOPL) == 0);
      CHECK((g.cpu.s.eflags & fl::VIF) == 0);
    }
    DYNAMIC_SECTION(e << " popf setting TF faults") {
      test::Guest g(e);
      CHECK(run_v86(g, "push word 0x0102\n popf", 0, true) == 3);
      CHECK(g.fault->vector == core::VEC_GP);
    }
    DYNAMIC_SECTION(e << " popf setting IF with VIP pending faults") {
      test::Guest g(e);
      CHECK(run_v86(g, "push word 0x0202\n popf", fl::VIP, true) == 3);
      CHECK(g.fault->vector == core::VEC_GP);
      CHECK((g.cpu.s.eflags & fl::VIF) == 0);
    }
    DYNAMIC_SECTION(e << " pushfd still faults") {
      test::Guest g(e);
      CHECK(run_v86(g, "mov dx, 1\n pushfd", 0, true) == 3);
      CHECK(g.fault->vector == core::VEC_GP);
    }
  }
}
