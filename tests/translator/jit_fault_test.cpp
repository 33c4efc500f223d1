// Precise faults in translated code: an inline memory access and a helper
// fault in the middle of a block leave the registers and EFLAGS as of the
// faulting instruction and EIP at it, under every engine.
#include <catch2/catch.hpp>

#include "tests/translator/jit_support.hpp"

using namespace xlat;

namespace {
std::vector<std::string> fault_engines() {
  auto v = test::engines();
  bool jit = false;
  for (auto& e : v) jit |= e == "jit";
  if (!jit) v.push_back("jit");
  return v;
}
constexpr uint32_t ARITH = core::fl::ARITH;
}  // namespace

TEST_CASE("fault: an inline load past the segment limit is #GP at its EIP with the flags before it",
          "[translator][fault]") {
  for (const auto& e : fault_engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.load(test::nasm(R"(bits 32
        mov ebx, 0x7FFFFFFF
        mov ecx, 1
        mov [0x3000], ecx       ; warm the TLB for the page
        add ebx, ecx            ; OF SF AF PF
        mov edx, 0xFFFFFFFE
        mov eax, [edx]          ; dword past 4 GiB: #GP(0)
        mov ebx, 0
        hlt)"));
      g.run();
      REQUIRE(g.fault);
      CHECK(g.fault->vector == core::VEC_GP);
      CHECK(g.fault_eip == test::Guest::CODE + 23);
      CHECK(g.reg(core::EBX) == 0x80000000u);
      CHECK(g.reg(core::EDX) == 0xFFFFFFFEu);
      CHECK((g.eflags() & ARITH) == (core::fl::OF | core::fl::SF | core::fl::AF | core::fl::PF));
      CHECK(g.cpu.icount == 5);
    }
  }
}

TEST_CASE("fault: a divide error in a helper keeps the flags of the previous inline instruction",
          "[translator][fault]") {
  for (const auto& e : fault_engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.load(test::nasm(R"(bits 32
        mov eax, 10
        xor ecx, ecx
        mov esi, 5
        sub esi, 6              ; CF SF AF PF, ESI = -1
        div ecx                 ; #DE
        hlt)"));
      g.run();
      REQUIRE(g.fault);
      CHECK(g.fault->vector == core::VEC_DE);
      CHECK(g.fault_eip == test::Guest::CODE + 15);
      CHECK(g.reg(core::ESI) == 0xFFFFFFFFu);
      CHECK((g.eflags() & ARITH) == (core::fl::CF | core::fl::SF | core::fl::AF | core::fl::PF));
      CHECK(g.cpu.icount == 4);
    }
  }
}

TEST_CASE("fault: a write fault in an inline read-modify-write changes nothing", "[translator][fault]") {
  for (const auto& e : fault_engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.load(test::nasm(R"(bits 32
        mov dword [0x4000], 7
        mov eax, 0xFFFFFFFD
        shl dword [0x4000], 2   ; flags of a shift, OF derived
        inc ecx
        add [eax], ecx          ; crosses 4 GiB: #GP
        hlt)"));
      g.run();
      REQUIRE(g.fault);
      CHECK(g.fault->vector == core::VEC_GP);
      CHECK(g.read32(0x4000) == 28);
      CHECK(g.reg(core::ECX) == 1);
      // SHL 7 by 2 = 28: CF 0, SF 0, ZF 0, PF 0 (28 = 11100b, three bits), OF = CF ^ MSB = 0, AF 0;
      // INC 0 -> 1: no flags but CF kept.
      CHECK((g.eflags() & ARITH) == 0);
    }
  }
}
