// Self-modifying code under every engine: a block rewriting its own next
// instruction, a write to code from another block, and code across a page
// boundary. Each program runs its code before and after the write, so a
// stale translation would show in the result.
#include <catch2/catch.hpp>

#include "tests/translator/jit_support.hpp"

using namespace xlat;

namespace {
std::vector<std::string> smc_engines() {
  auto v = test::engines();
  bool jit = false;
  for (auto& e : v) jit |= e == "jit";
  if (!jit) v.push_back("jit");
  return v;
}
}  // namespace

TEST_CASE("smc: a block rewrites an instruction later in itself", "[translator][smc]") {
  for (const auto& e : smc_engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.load(test::nasm(R"(bits 32
        org 0x10000
        mov ecx, 3
        xor ebx, ebx
      again:
        mov [patch+1], cl       ; the immediate of the mov below
      patch:
        mov eax, 0
        add ebx, eax
        dec ecx
        jnz again
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(core::EBX) == 3 + 2 + 1);
    }
  }
}

TEST_CASE("smc: a write from another block replaces a function's code", "[translator][smc]") {
  for (const auto& e : smc_engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.load(test::nasm(R"(bits 32
        org 0x10000
        xor esi, esi
        mov ecx, 4
      l:
        call f
        add esi, eax
        inc byte [f+1]          ; f returns one more next time
        dec ecx
        jnz l
        hlt
      f:
        mov eax, 10
        ret)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(core::ESI) == 10 + 11 + 12 + 13);
    }
  }
}

TEST_CASE("smc: an instruction straddling a page boundary is rewritten through its second page", "[translator][smc]") {
  for (const auto& e : smc_engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      // `mov eax, imm32` at 0x10FFD: its immediate's last two bytes are on the next page.
      g.load(test::nasm(R"(bits 32
        org 0x10000
        xor esi, esi
        mov ecx, 3
      l:
        call f
        add esi, eax
        add byte [f+4], 1       ; byte 3 of the immediate (second page)
        dec ecx
        jnz l
        hlt
        times 0xFFD - ($ - $$) nop
      f:
        mov eax, 0x00000005
        ret)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(core::ESI) == 3 * 5 + (0 + 1 + 2) * 0x1000000u);
    }
  }
}

TEST_CASE("smc: code written by a REP STOS and then run", "[translator][smc]") {
  for (const auto& e : smc_engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.load(test::nasm(R"(bits 32
        org 0x10000
        mov ebx, 0
        mov edx, 2
      round:
        call 0x30000            ; first round: 16 NOPs then RET; second: INC EBX x16 then RET
        mov edi, 0x30000
        mov ecx, 16
        mov al, 0x43            ; inc ebx
        rep stosb
        mov byte [edi], 0xC3
        dec edx
        jnz round
        call 0x30000
        hlt)"));
      uint8_t nops[17];
      for (int i = 0; i < 16; ++i) nops[i] = 0x90;
      nops[16] = 0xC3;
      g.m.bus.copy_to(0x30000, nops, sizeof nops);
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(core::EBX) == 32);
    }
  }
}

// Code the translator leaves to the interpreter (here the instruction after
// STI, run alone because of the interrupt shadow) is cached decoded; a
// write to its page must drop that too (found by -lockstep in a Linux boot,
// where the kernel patches jumps).
TEST_CASE("smc: a rewritten jump run in an interrupt shadow takes its new target", "[translator][smc]") {
  for (const auto& e : smc_engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.load(test::nasm(R"(bits 32
        org 0x10000
        xor ecx, ecx
        call f                  ; jumps to t1
        mov dword [patch+1], t2 - (patch + 5)
        call f                  ; jumps to t2
        mov dword [patch+1], t1 - (patch + 5)
        call f                  ; t1 again
        hlt
      f:
        cli
        sti                     ; the next instruction runs alone
      patch:
        jmp strict near t1
      t1:
        add ecx, 1
        ret
      t2:
        add ecx, 100
        ret)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(core::ECX) == 102);
    }
  }
}
