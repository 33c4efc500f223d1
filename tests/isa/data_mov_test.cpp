// MOV forms under every engine.
#include <catch2/catch.hpp>

#include "tests/support/guest.hpp"

using namespace xlat;

TEST_CASE("mov moves registers, immediates and memory", "[isa][mov]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.load(test::nasm(R"(bits 32
        mov eax, 0x12345678
        mov ebx, eax
        mov [0x2000], ebx
        mov cl, [0x2001]
        mov dh, cl
        mov word [0x2004], 0xBEEF
        mov si, [0x2004]
        hlt)"));
      g.run();
      CHECK(g.reg(core::EBX) == 0x12345678);
      CHECK((g.reg(core::ECX) & 0xFF) == 0x56);
      CHECK(((g.reg(core::EDX) >> 8) & 0xFF) == 0x56);
      CHECK(g.read32(0x2000) == 0x12345678);
      CHECK((g.reg(core::ESI) & 0xFFFF) == 0xBEEF);
      CHECK(!g.fault);
    }
  }
}

TEST_CASE("an unimplemented instruction raises #UD at its own EIP", "[isa][ud]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.load(test::nasm("bits 32\n nop\n ud2\n hlt"));
      g.run();
      REQUIRE(g.fault);
      CHECK(g.fault->vector == core::VEC_UD);
      CHECK(g.fault_eip == test::Guest::CODE + 1);
    }
  }
}
