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

TEST_CASE("mov with moffs forms in 32- and 16-bit code", "[isa][flow][mov]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e << " flat") {
      test::Guest g(e);
      g.write32(0x2000, 0x89ABCDEF);
      g.load(test::nasm(R"(bits 32
        mov eax, [0x2000]       ; A1 moffs32
        mov [0x2005], al        ; A2
        mov bx, [0x2002]
        o16 mov ax, [0x2000]
        mov [0x2008], ax        ; A3 with 66
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.read8(0x2005) == 0xEF);
      CHECK((g.reg(core::EAX) & 0xFFFF) == 0xCDEF);
      CHECK((g.reg(core::EBX) & 0xFFFF) == 0x89AB);
      CHECK((g.read32(0x2008) & 0xFFFF) == 0xCDEF);
    }
    DYNAMIC_SECTION(e << " real mode with a segment override") {
      test::Guest g(e, test::Mode::Real16);
      g.write32(0x2000, 0x11223344);
      g.write32(0x30010, 0x55667788);
      g.load(test::nasm(R"(bits 16
        mov ax, [0x2000]        ; A1 moffs16
        mov bx, 0x3000
        mov es, bx
        es mov bl, [0x10]       ; 26 8A / A0 with ES
        es mov [0x12], al
        hlt)"),
             0x1000);
      g.run();
      REQUIRE(!g.fault);
      CHECK((g.reg(core::EAX) & 0xFFFF) == 0x3344);
      CHECK((g.reg(core::EBX) & 0xFF) == 0x88);
      CHECK(g.read32(0x30010) == 0x55447788);
    }
  }
}

TEST_CASE("mov to and from segment registers", "[isa][flow][mov]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e << " flat: store forms") {
      test::Guest g(e);
      g.write32(0x2000, 0xFFFFFFFF);
      g.load(test::nasm(R"(bits 32
        mov eax, 0xFFFFFFFF
        mov eax, ds             ; a 32-bit register gets the selector zero-extended
        mov ebx, 0xFFFFFFFF
        mov bx, cs              ; a 16-bit register keeps its upper half
        mov [0x2000], ss        ; memory: 16 bits
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(core::EAX) == 0x18);
      CHECK(g.reg(core::EBX) == 0xFFFF0010);
      CHECK(g.read32(0x2000) == 0xFFFF0018);
    }
    DYNAMIC_SECTION(e << " real mode: loads") {
      test::Guest g(e, test::Mode::Real16);
      g.write32(0x2000, 0x4000);
      g.write32(0x40010, 0xA5A5A5A5);
      g.load(test::nasm(R"(bits 16
        mov ax, 0x0100
        mov ds, ax              ; DS base 0x1000
        mov es, [0x1000]        ; the word at linear 0x2000
        mov eax, [es:0x10]
        hlt)"),
             0x1000);
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.cpu.s.seg[core::DS].base == 0x1000);
      CHECK(g.cpu.s.seg[core::ES].sel == 0x4000);
      CHECK(g.cpu.s.seg[core::ES].base == 0x40000);
      CHECK(g.reg(core::EAX) == 0xA5A5A5A5);
    }
    DYNAMIC_SECTION(e << " real mode: mov ss inhibits interrupts, mov cs is #UD") {
      test::Guest g(e, test::Mode::Real16);
      g.load(test::nasm("bits 16\n mov ss, ax\n mov cs, ax\n hlt"), 0x1000);
      g.cpu.s.gpr[core::EAX] = 0x0700;
      g.run(1);
      CHECK(g.cpu.s.seg[core::SS].base == 0x7000);
      CHECK(g.cpu.s.irq_inhibit == 1);
      g.run();
      REQUIRE(g.fault);
      CHECK(g.fault->vector == core::VEC_UD);
      CHECK(g.fault_eip == 0x1002);
    }
  }
}

TEST_CASE("movzx and movsx from registers and memory", "[isa][flow][mov]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.write32(0x2000, 0x8001FF80);
      g.load(test::nasm(R"(bits 32
        movsx eax, byte [0x2000]
        movzx ebx, byte [0x2000]
        movsx ecx, word [0x2002]
        movzx edx, word [0x2002]
        mov esi, 0xFFFFFFFF
        mov edi, 0x12345678
        movzx si, byte [0x2001]  ; 16-bit destination: the upper half stays
        movsx edi, di
        mov ebp, 0xAAAA0000
        mov esp, 0x7FF0
        movsx bp, byte [0x2001]
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(core::EAX) == 0xFFFFFF80);
      CHECK(g.reg(core::EBX) == 0x80);
      CHECK(g.reg(core::ECX) == 0xFFFF8001);
      CHECK(g.reg(core::EDX) == 0x8001);
      CHECK(g.reg(core::ESI) == 0xFFFF00FF);
      CHECK(g.reg(core::EDI) == 0x5678);
      CHECK(g.reg(core::EBP) == 0xAAAAFFFF);
    }
  }
}
