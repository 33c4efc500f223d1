// RDTSC, RDMSR/WRMSR, RDPMC and SYSENTER/SYSEXIT (Intel SDM vol. 2).
#include <catch2/catch.hpp>

#include "tests/core/system_guest_util.hpp"

using namespace xlat;

namespace {
void expect_gp0(const test::Guest& g, uint32_t eip) {
  REQUIRE(g.fault);
  CHECK(g.fault->vector == core::VEC_GP);
  CHECK(g.fault->error == 0);
  CHECK(g.fault_eip == eip);
}
}  // namespace

TEST_CASE("rdtsc is monotonic over a loop", "[system][tsc]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.load(test::nasm(R"(bits 32
        rdtsc
        mov esi, eax
        mov edi, edx
        mov ecx, 100
        xor ebp, ebp            ; count of steps that went backwards or stood still
      again:
        rdtsc
        cmp edx, edi
        jb bad
        ja ok
        cmp eax, esi
        ja ok
      bad:
        inc ebp
      ok:
        mov esi, eax
        mov edi, edx
        dec ecx
        jnz again
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(core::EBP) == 0);
    }
  }
}

TEST_CASE("wrmsr to the TSC sets its low half and clears the high half", "[system][tsc][msr]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.load(test::nasm(R"(bits 32
        mov ecx, 0x10
        mov eax, 0x10000000
        mov edx, 0x55         ; ignored: a P6 clears the high 32 bits
        wrmsr
        rdtsc
        mov esi, eax
        mov edi, edx
        mov ecx, 0x10
        rdmsr
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(core::EDI) == 0);
      CHECK(g.reg(core::ESI) >= 0x10000000u);
      CHECK(g.reg(core::ESI) < 0x10000010u);
      CHECK(g.reg(core::EDX) == 0);
      CHECK(g.reg(core::EAX) > g.reg(core::ESI));  // rdmsr TSC reads the same counter, later
      CHECK(g.reg(core::EAX) < 0x10000010u);
    }
  }
}

TEST_CASE("rdtsc with CR4.TSD: allowed at CPL 0, #GP(0) at CPL 3", "[system][tsc]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      test::setup_tables(g);
      g.load(test::nasm(test::prelude32() + R"(
        mov eax, cr4
        or eax, 4             ; TSD
        mov cr4, eax
        rdtsc                 ; CPL 0: fine
        mov ebx, 1
        TO_RING3 user
      user:
        rdtsc
        hlt)"));
      g.run();
      CHECK(g.reg(core::EBX) == 1);
      REQUIRE(g.fault);
      CHECK(g.cpu.s.cpl == 3);
      CHECK(g.fault->vector == core::VEC_GP);
      CHECK(g.read8(g.fault_eip) == 0x0F);
      CHECK(g.read8(g.fault_eip + 1) == 0x31);  // the RDTSC
    }
  }
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e << " without TSD") {
      test::Guest g(e);
      test::setup_tables(g);
      g.load(test::nasm(test::prelude32() + R"(
        TO_RING3 user
      user:
        rdtsc
        ud2)"));
      g.run();
      REQUIRE(g.fault);
      CHECK(g.fault->vector == core::VEC_UD);
    }
  }
}

TEST_CASE("SYSENTER MSRs round trip and hold 32 bits", "[system][msr]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.load(test::nasm(R"(bits 32
        mov ecx, 0x174
        mov eax, 0x0008
        mov edx, 0x12345678
        wrmsr
        mov ecx, 0x175
        mov eax, 0x00701234
        wrmsr
        mov ecx, 0x176
        mov eax, 0x80001000
        wrmsr
        mov ecx, 0x174
        rdmsr
        mov [0x3000], eax
        mov [0x3004], edx
        mov ecx, 0x175
        rdmsr
        mov [0x3008], eax
        mov [0x300C], edx
        mov ecx, 0x176
        rdmsr
        mov [0x3010], eax
        mov [0x3014], edx
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.read32(0x3000) == 0x0008);
      CHECK(g.read32(0x3004) == 0);
      CHECK(g.read32(0x3008) == 0x00701234);
      CHECK(g.read32(0x300C) == 0);
      CHECK(g.read32(0x3010) == 0x80001000);
      CHECK(g.read32(0x3014) == 0);
      CHECK(g.cpu.s.sysenter_cs == 0x8);
      CHECK(g.cpu.s.sysenter_esp == 0x00701234);
      CHECK(g.cpu.s.sysenter_eip == 0x80001000);
    }
  }
}

TEST_CASE("IA32_BIOS_SIGN_ID: the write-0/CPUID/read sequence reads revision 0", "[system][msr]") {
  // Linux's early_init_intel and microcode driver: WRMSR 0x8B with 0, CPUID
  // leaf 1, RDMSR 0x8B (the revision in EDX). No microcode: 0, no fault.
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.load(test::nasm(R"(bits 32
        mov ecx, 0x8B
        xor eax, eax
        xor edx, edx
        wrmsr
        mov eax, 1
        cpuid
        mov ecx, 0x8B
        mov eax, -1
        mov edx, -1
        rdmsr
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(core::EAX) == 0);
      CHECK(g.reg(core::EDX) == 0);
    }
  }
}

TEST_CASE("rdmsr/wrmsr of an unknown MSR raise #GP(0)", "[system][msr]") {
  for (uint32_t msr : {0x0u, 0x1Bu, 0x8Au, 0x177u, 0x186u, 0xC0000080u}) {
    for (const char* insn : {"rdmsr", "wrmsr"}) {
      for (const auto& e : test::engines()) {
        DYNAMIC_SECTION(e << " " << insn << " " << msr) {
          test::Guest g(e);
          g.load(test::nasm("bits 32\n mov ecx, " + std::to_string(msr) + "\n xor eax, eax\n xor edx, edx\n " +
                            insn + "\n hlt"));
          g.run();
          expect_gp0(g, test::Guest::CODE + 9);
        }
      }
    }
  }
}

TEST_CASE("rdmsr/wrmsr at CPL 3 raise #GP(0)", "[system][msr]") {
  for (const char* insn : {"rdmsr", "wrmsr"}) {
    for (const auto& e : test::engines()) {
      DYNAMIC_SECTION(e << " " << insn) {
        test::Guest g(e);
        test::setup_tables(g);
        g.load(test::nasm(test::prelude32() + R"(
          TO_RING3 user
        user:
          mov ecx, 0x10
          )" + insn + R"(
          hlt)"));
        g.run();
        REQUIRE(g.fault);
        CHECK(g.cpu.s.cpl == 3);
        CHECK(g.fault->vector == core::VEC_GP);
        CHECK(g.fault->error == 0);
        CHECK(g.read8(g.fault_eip) == 0x0F);
      }
    }
  }
}

TEST_CASE("rdpmc: counters 0 and 1 read 0 at CPL 0; #GP otherwise", "[system][msr]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.load(test::nasm(R"(bits 32
        mov eax, -1
        mov edx, -1
        xor ecx, ecx
        rdpmc
        mov esi, eax
        mov edi, edx
        mov ecx, 1
        rdpmc
        mov ecx, 2
        rdpmc
        hlt)"));
      g.run();
      CHECK(g.reg(core::ESI) == 0);
      CHECK(g.reg(core::EDI) == 0);
      REQUIRE(g.fault);
      CHECK(g.fault->vector == core::VEC_GP);
      CHECK(g.fault->error == 0);
      CHECK(g.reg(core::ECX) == 2);
      CHECK(g.read8(g.fault_eip) == 0x0F);
      CHECK(g.read8(g.fault_eip + 1) == 0x33);
    }
  }
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e << " ring 3") {
      test::Guest g(e);
      test::setup_tables(g);
      g.load(test::nasm(test::prelude32() + R"(
        TO_RING3 user
      user:
        xor ecx, ecx
        rdpmc
        hlt)"));
      g.run();
      REQUIRE(g.fault);
      CHECK(g.cpu.s.cpl == 3);
      CHECK(g.fault->vector == core::VEC_GP);
    }
  }
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e << " ring 3 with CR4.PCE") {
      test::Guest g(e);
      test::setup_tables(g);
      g.load(test::nasm(test::prelude32() + R"(
        mov eax, cr4
        or eax, 0x100         ; PCE
        mov cr4, eax
        TO_RING3 user
      user:
        mov eax, -1
        xor ecx, ecx
        rdpmc
        mov esi, eax
        ud2)"));
      g.run();
      REQUIRE(g.fault);
      CHECK(g.fault->vector == core::VEC_UD);
      CHECK(g.reg(core::ESI) == 0);
    }
  }
}

TEST_CASE("sysenter/sysexit round trip between ring 0 and ring 3", "[system][sysenter]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      test::setup_tables(g);
      g.load(test::nasm(test::prelude32() + R"(
        mov ecx, 0x176
        mov eax, kernel
        xor edx, edx
        wrmsr
        mov ecx, 0x175
        mov eax, 0x70000
        wrmsr
        sti
        TO_RING3 user
      user:
        mov [0x5000], cs
        mov [0x5004], ss
        mov [0x5008], esp
        pushfd
        pop dword [0x500C]
        mov esp, 0x5FF00
        sysenter
      kernel:
        mov [0x5010], cs
        mov [0x5014], ss
        mov [0x5018], esp
        pushfd
        pop dword [0x501C]
        ; and back once more, to a second user entry point
        mov edx, user2
        mov ecx, 0x5FE00
        sysexit
      user2:
        mov [0x5020], esp
        mov [0x5024], cs
        ud2)"));
      g.run();
      REQUIRE(g.fault);
      CHECK(g.fault->vector == core::VEC_UD);
      // Ring 3 after SYSEXIT: CS = SYSENTER_CS + 16 | 3, SS = + 24 | 3, ESP = ECX.
      CHECK((g.read32(0x5000) & 0xFFFF) == 0x1B);
      CHECK((g.read32(0x5004) & 0xFFFF) == 0x23);
      CHECK(g.read32(0x5008) == 0x60000);
      CHECK(g.read32(0x500C) & core::fl::IF);
      // Ring 0 after SYSENTER: CS = SYSENTER_CS, SS = + 8, ESP = SYSENTER_ESP, IF cleared.
      CHECK((g.read32(0x5010) & 0xFFFF) == 0x08);
      CHECK((g.read32(0x5014) & 0xFFFF) == 0x10);
      CHECK(g.read32(0x5018) == 0x70000);
      CHECK(!(g.read32(0x501C) & core::fl::IF));
      CHECK(g.read32(0x5020) == 0x5FE00);
      CHECK((g.read32(0x5024) & 0xFFFF) == 0x1B);
      // The segment caches are flat, with the SDM's attributes.
      const core::Segment& cs = g.cpu.s.seg[core::CS];
      const core::Segment& ss = g.cpu.s.seg[core::SS];
      CHECK(g.cpu.s.cpl == 3);
      CHECK(cs.base == 0);
      CHECK(cs.limit == 0xFFFFFFFFu);
      CHECK((cs.attr & 0xF0FF) == 0xC0FB);  // G, D, P, DPL 3, S, execute/read accessed
      CHECK(ss.base == 0);
      CHECK(ss.limit == 0xFFFFFFFFu);
      CHECK((ss.attr & 0xF0FF) == 0xC0F3);  // G, B, P, DPL 3, S, read/write accessed
    }
  }
}

TEST_CASE("sysenter clears VM, IF and RF", "[system][sysenter]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      test::setup_tables(g);
      g.load(test::nasm(test::prelude32() + R"(
        mov ecx, 0x176
        mov eax, kernel
        xor edx, edx
        wrmsr
        mov ecx, 0x175
        mov eax, 0x70000
        wrmsr
        mov ecx, 0x174
        mov eax, 0x08
        wrmsr
        sysenter          ; also from ring 0
      kernel:
        hlt)"));
      g.cpu.s.eflags |= core::fl::IF | core::fl::RF;
      g.run();
      REQUIRE(!g.fault);
      CHECK(!(g.cpu.s.eflags & (core::fl::IF | core::fl::RF | core::fl::VM)));
      CHECK(g.cpu.s.cpl == 0);
      const core::Segment& cs = g.cpu.s.seg[core::CS];
      CHECK((cs.attr & 0xF0FF) == 0xC09B);
      CHECK((g.cpu.s.seg[core::SS].attr & 0xF0FF) == 0xC093);
    }
  }
}

TEST_CASE("sysenter/sysexit #GP cases", "[system][sysenter]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e << " sysenter with SYSENTER_CS = 0") {
      test::Guest g(e);
      g.load(test::nasm("bits 32\n sysenter\n hlt"));
      g.run();
      expect_gp0(g, test::Guest::CODE);
    }
    DYNAMIC_SECTION(e << " sysenter with SYSENTER_CS = 3 (null)") {
      test::Guest g(e);
      g.cpu.s.sysenter_cs = 3;
      g.load(test::nasm("bits 32\n sysenter\n hlt"));
      g.run();
      expect_gp0(g, test::Guest::CODE);
    }
    DYNAMIC_SECTION(e << " sysexit with SYSENTER_CS = 0") {
      test::Guest g(e);
      g.load(test::nasm("bits 32\n sysexit\n hlt"));
      g.run();
      expect_gp0(g, test::Guest::CODE);
    }
    DYNAMIC_SECTION(e << " sysexit at CPL 3") {
      test::Guest g(e);
      test::setup_tables(g);
      g.load(test::nasm(test::prelude32() + R"(
        TO_RING3 user
      user:
        mov edx, user
        sysexit)"));
      g.run();
      REQUIRE(g.fault);
      CHECK(g.cpu.s.cpl == 3);
      CHECK(g.fault->vector == core::VEC_GP);
      CHECK(g.fault->error == 0);
      CHECK(g.read8(g.fault_eip) == 0x0F);
      CHECK(g.read8(g.fault_eip + 1) == 0x35);
    }
    for (const char* insn : {"sysenter", "sysexit"}) {
      DYNAMIC_SECTION(e << " " << insn << " in real mode") {
        test::Guest g(e, test::Mode::Real16);
        g.cpu.s.sysenter_cs = 0x08;
        g.load(test::nasm(std::string("bits 16\n org 0x7C00\n ") + insn + "\n hlt"), 0x7C00);
        g.run();
        expect_gp0(g, 0x7C00);
      }
    }
  }
}
