// Control and debug register moves, CLTS, LMSW, SMSW, cache control, UD2
// (Intel SDM vol. 2 and vol. 3 2.5).
#include <catch2/catch.hpp>

#include "core/decode/decoder.hpp"
#include "core/interp/cpuid.hpp"
#include "core/isa/isa.hpp"
#include "tests/core/system_guest_util.hpp"

using namespace xlat;
using namespace xlat::core;

TEST_CASE("mov cr0 ignores undefined bits and keeps ET set", "[system][cr]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.load(test::nasm(R"(bits 32
        mov eax, 0x0005FFC1    ; PE, bits 6-15 and 17 (undefined), WP, AM; ET clear
        mov cr0, eax
        mov ebx, cr0
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(EBX) == (cr0::PE | cr0::ET | cr0::WP | cr0::AM));
    }
  }
}

TEST_CASE("mov cr0 with PG but not PE, or NW but not CD, raises #GP(0)", "[system][cr]") {
  for (uint32_t v : {0x80000010u, 0x20000011u, 0xA0000011u}) {
    for (const auto& e : test::engines()) {
      DYNAMIC_SECTION(e << " " << v) {
        test::Guest g(e);
        g.load(test::nasm("bits 32\n mov eax, " + std::to_string(v) + "\n mov cr0, eax\n hlt"));
        g.run();
        REQUIRE(g.fault);
        CHECK(g.fault->vector == VEC_GP);
        CHECK(g.fault->error == 0);
        CHECK(g.fault_eip == test::Guest::CODE + 5);
        CHECK(uint32_t(g.cpu.s.cr0) == (cr0::PE | cr0::ET));  // unchanged
      }
    }
  }
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e << " real mode") {
      test::Guest g(e, test::Mode::Real16);
      g.load(test::nasm("bits 16\n org 0x7C00\n mov eax, 0x80000000\n mov cr0, eax\n hlt"), 0x7C00);
      g.run();
      REQUIRE(g.fault);
      CHECK(g.fault->vector == VEC_GP);
    }
  }
}

TEST_CASE("mov cr4 accepts the bits this CPU has and #GPs on the others", "[system][cr]") {
  const uint32_t valid = cr4::TSD | cr4::DE | cr4::PSE | cr4::PGE | cr4::PCE;
  REQUIRE((cpuid::CR4_VALID & valid) == valid);
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e << " valid") {
      test::Guest g(e);
      g.load(test::nasm("bits 32\n mov eax, " + std::to_string(valid) + "\n mov cr4, eax\n mov ebx, cr4\n hlt"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(EBX) == valid);
    }
  }
  for (uint32_t bit = 0; bit < 32; ++bit) {
    const uint32_t v = 1u << bit;
    if (cpuid::CR4_VALID & v) continue;
    for (const auto& e : test::engines()) {
      DYNAMIC_SECTION(e << " bit " << bit) {
        test::Guest g(e);
        g.load(test::nasm("bits 32\n mov eax, " + std::to_string(v) + "\n mov cr4, eax\n hlt"));
        g.run();
        REQUIRE(g.fault);
        CHECK(g.fault->vector == VEC_GP);
        CHECK(g.fault->error == 0);
        CHECK(g.cpu.s.cr4 == 0);
      }
    }
  }
  // VME and PAE are not implemented: reserved here.
  CHECK(!(cpuid::CR4_VALID & (cr4::VME | cr4::PVI | cr4::PAE)));
}

TEST_CASE("mov cr2/cr3 round trip", "[system][cr]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.load(test::nasm(R"(bits 32
        mov eax, 0xDEADB000
        mov cr2, eax
        mov eax, 0x00123018   ; PWT, PCD
        mov cr3, eax
        mov ebx, cr2
        mov ecx, cr3
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(EBX) == 0xDEADB000);
      CHECK(g.reg(ECX) == 0x00123018);
    }
  }
}

TEST_CASE("mov to or from cr1, cr5-cr7 raises #UD", "[system][cr]") {
  // MOV r32, CRn is 0F 20 /r, MOV CRn, r32 is 0F 22 /r with n in ModRM.reg.
  for (unsigned n : {1u, 5u, 6u, 7u}) {
    for (unsigned op : {0x20u, 0x22u}) {
      for (const auto& e : test::engines()) {
        DYNAMIC_SECTION(e << " cr" << n << " op " << op) {
          test::Guest g(e);
          g.load(test::nasm("bits 32\n db 0x0F, " + std::to_string(op) + ", " + std::to_string(0xC0 | (n << 3)) +
                            "\n hlt"));
          g.run();
          REQUIRE(g.fault);
          CHECK(g.fault->vector == VEC_UD);
        }
      }
    }
  }
}

TEST_CASE("privileged system instructions raise #GP(0) at CPL 3", "[system][cr]") {
  const char* insns[] = {"mov cr0, eax", "mov eax, cr0", "mov eax, cr3", "mov dr7, eax", "mov eax, dr0",
                         "clts", "lmsw ax", "invlpg [0]", "wbinvd", "invd", "hlt"};
  for (const char* insn : insns) {
    for (const auto& e : test::engines()) {
      DYNAMIC_SECTION(e << " " << insn) {
        test::Guest g(e);
        test::setup_tables(g);
        g.load(test::nasm(test::prelude32() + std::string(R"(
          TO_RING3 user
        user:
          mov eax, cr0_image
          )") + insn + R"(
          ud2
        cr0_image equ 0x11)"));
        g.run();
        REQUIRE(g.fault);
        CHECK(g.cpu.s.cpl == 3);
        CHECK(g.fault->vector == VEC_GP);
        CHECK(g.fault->error == 0);
        CHECK(uint32_t(g.cpu.s.cr0) == (cr0::PE | cr0::ET));
      }
    }
  }
}

TEST_CASE("wbinvd and invd are no-ops at CPL 0", "[system][cr]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.load(test::nasm("bits 32\n mov dword [0x3000], 7\n wbinvd\n invd\n mov eax, [0x3000]\n hlt"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(EAX) == 7);
    }
  }
}

TEST_CASE("clts clears CR0.TS, lmsw loads MP/EM/TS and cannot clear PE", "[system][cr]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.load(test::nasm(R"(bits 32
        mov eax, cr0
        or eax, 8          ; TS
        mov cr0, eax
        clts
        mov ebx, cr0
        mov ax, 0xFFFE     ; PE clear, MP EM TS set, high bits ignored
        lmsw ax
        mov ecx, cr0
        mov word [0x3000], 0x0002
        lmsw [0x3000]      ; MP only
        mov edx, cr0
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(EBX) == (cr0::PE | cr0::ET));
      CHECK(g.reg(ECX) == (cr0::PE | cr0::MP | cr0::EM | cr0::TS | cr0::ET));
      CHECK(g.reg(EDX) == (cr0::PE | cr0::MP | cr0::ET));
    }
  }
}

TEST_CASE("lmsw can enter protected mode from real mode", "[system][cr]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e, test::Mode::Real16);
      g.load(test::nasm("bits 16\n org 0x7C00\n mov ax, 1\n lmsw ax\n hlt"), 0x7C00);
      g.run();
      REQUIRE(!g.fault);
      CHECK((g.cpu.s.cr0 & cr0::PE));
      CHECK(g.cpu.protected_mode());
    }
  }
}

TEST_CASE("smsw stores CR0: 16 bits to memory, the operand size to a register", "[system][cr]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      test::setup_tables(g);
      g.load(test::nasm(test::prelude32() + R"(
        mov eax, cr0
        or eax, 0x10000 | 0x20   ; WP, NE
        mov cr0, eax
        mov dword [0x3000], 0xAAAAAAAA
        smsw [0x3000]
        mov ebx, 0xBBBBBBBB
        smsw ebx
        mov edi, 0xCCCCCCCC
        smsw di
        TO_RING3 user
      user:
        smsw esi            ; not privileged
        ud2)"));
      g.run();
      REQUIRE(g.fault);
      CHECK(g.fault->vector == VEC_UD);
      const uint32_t cr0v = cr0::PE | cr0::ET | cr0::NE | cr0::WP;
      CHECK(g.read32(0x3000) == (0xAAAA0000u | (cr0v & 0xFFFF)));
      CHECK(g.reg(EBX) == cr0v);
      CHECK(g.reg(EDI) == (0xCCCC0000u | (cr0v & 0xFFFF)));
      CHECK(g.reg(ESI) == cr0v);
    }
  }
}

TEST_CASE("ud2 is its own table row and raises #UD", "[system][ud]") {
  const uint8_t bytes[] = {0x0F, 0x0B};
  DecodedInsn in;
  REQUIRE(decode(bytes, sizeof bytes, CodeMode::Bits32, in) == DecodeStatus::Ok);
  CHECK(in.op == OP_UD2);
  CHECK(std::string(op_info[in.op].name) == "UD2");
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.load(test::nasm("bits 32\n mov eax, 1\n ud2\n mov eax, 2\n hlt"));
      g.run();
      REQUIRE(g.fault);
      CHECK(g.fault->vector == VEC_UD);
      CHECK(!g.fault->has_error);
      CHECK(g.fault_eip == test::Guest::CODE + 5);
      CHECK(g.reg(EAX) == 1);
    }
  }
}

// --- debug registers --------------------------------------------------------

TEST_CASE("mov dr6/dr7 keep their fixed bits; dr0-3 hold 32 bits", "[system][dr]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.load(test::nasm(R"(bits 32
        xor eax, eax
        mov dr6, eax
        mov ebx, dr6
        mov eax, -1
        mov dr6, eax
        mov ecx, dr6
        xor eax, eax
        mov dr7, eax
        mov edx, dr7
        mov eax, 0xFFFFDC00   ; reserved bits 10-12, 14, 15 and no enables
        mov dr7, eax
        mov esi, dr7
        mov eax, 0x87654321
        mov dr3, eax
        mov edi, dr3
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(EBX) == 0xFFFF0FF0);
      CHECK(g.reg(ECX) == 0xFFFFEFFF);
      CHECK(g.reg(EDX) == 0x400);
      CHECK(g.reg(ESI) == 0xFFFF0400);
      CHECK(g.reg(EDI) == 0x87654321);
    }
  }
}

TEST_CASE("dr4/dr5 alias dr6/dr7 without CR4.DE", "[system][dr]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.load(test::nasm(R"(bits 32
        mov eax, 0x100        ; LE
        mov dr5, eax
        mov ebx, dr7
        mov ecx, dr4
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(EBX) == 0x500);
      CHECK(g.reg(ECX) == 0xFFFF0FF0);
    }
  }
}

TEST_CASE("mov cr0 clearing PE returns to real mode with the segment caches kept", "[system][cr]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.load(test::nasm(R"(bits 32
        mov eax, cr0
        and eax, ~1
        mov cr0, eax           ; real mode, still running the 32-bit CS cache
        mov ebx, [0x3000]      ; DS keeps its base 0 and 4 GiB limit
        mov ecx, cr0
        hlt)"));
      g.write32(0x3000, 0x1234ABCD);
      g.run();
      REQUIRE(!g.fault);
      CHECK(!g.cpu.protected_mode());
      CHECK(g.cpu.s.cpl == 0);
      CHECK(g.reg(EBX) == 0x1234ABCD);
      CHECK(g.reg(ECX) == cr0::ET);
      CHECK(g.cpu.s.seg[DS].limit == 0xFFFFFFFFu);
    }
  }
}
