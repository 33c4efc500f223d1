// CPUID values, and a test for every feature bit CPUID.1:EDX advertises that
// executes the feature (Intel SDM vol. 2, CPUID).
#include <catch2/catch.hpp>

#include <cstring>

#include "core/interp/cpuid.hpp"
#include "tests/core/system_guest_util.hpp"

using namespace xlat;
using core::cpuid::FEATURES_EDX;
namespace edx = core::cpuid::edx;

namespace {
struct CpuidOut {
  uint32_t a, b, c, d;
};

CpuidOut run_cpuid(const std::string& engine, uint32_t leaf, uint32_t sub = 0) {
  test::Guest g(engine);
  g.load(test::nasm("bits 32\n mov eax, " + std::to_string(leaf) + "\n mov ecx, " + std::to_string(sub) +
                    "\n cpuid\n hlt"));
  g.run();
  REQUIRE(!g.fault);
  return {g.reg(core::EAX), g.reg(core::EBX), g.reg(core::ECX), g.reg(core::EDX)};
}
}  // namespace

TEST_CASE("cpuid leaf 0 reports GenuineIntel and max leaf 2", "[system][cpuid]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      const CpuidOut r = run_cpuid(e, 0);
      CHECK(r.a == 2);
      char vendor[13] = {};
      std::memcpy(vendor, &r.b, 4);
      std::memcpy(vendor + 4, &r.d, 4);
      std::memcpy(vendor + 8, &r.c, 4);
      CHECK(std::string(vendor) == "GenuineIntel");
    }
  }
}

TEST_CASE("cpuid leaf 1 reports family 6 and exactly the implemented features", "[system][cpuid]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      const CpuidOut r = run_cpuid(e, 1);
      CHECK(((r.a >> 8) & 0xF) == 6);  // family
      CHECK(r.a == 0x633);
      CHECK(r.b == 0);
      CHECK(r.c == 0);
      CHECK(r.d == FEATURES_EDX);
      // Features of a P6 this CPU does not implement must not be claimed.
      CHECK((r.d & (edx::VME | edx::PAE | edx::MCE | edx::APIC | edx::MTRR | edx::MCA | edx::PAT |
                    edx::PSE36)) == 0);
      // Implemented: paging extensions, TSC, MSRs, CMPXCHG8B, SYSENTER, CMOV, debug extensions.
      const uint32_t have = edx::DE | edx::PSE | edx::TSC | edx::MSR | edx::CX8 | edx::SEP | edx::PGE | edx::CMOV;
      CHECK((r.d & have) == have);
    }
  }
}

TEST_CASE("cpuid leaf 2 and leaves beyond the maximum return the cache descriptors", "[system][cpuid]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      const CpuidOut l2 = run_cpuid(e, 2);
      CHECK((l2.a & 0xFF) == 1);  // one call returns all descriptors
      CHECK(l2.a == 0x03020101);
      CHECK(l2.b == 0);
      CHECK(l2.c == 0);
      CHECK(l2.d == 0x0C040843);
      // SDM: a leaf above the maximum returns the data of the highest basic leaf.
      for (uint32_t leaf : {3u, 4u, 0x80000000u, 0x80000004u, 0xFFFFFFFFu}) {
        const CpuidOut r = run_cpuid(e, leaf);
        CHECK(r.a == l2.a);
        CHECK(r.b == l2.b);
        CHECK(r.c == l2.c);
        CHECK(r.d == l2.d);
      }
    }
  }
}

TEST_CASE("cpuid works in ring 3", "[system][cpuid]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      test::setup_tables(g);
      g.load(test::nasm(test::prelude32() + R"(
        TO_RING3 user
      user:
        xor eax, eax
        cpuid
        mov esi, ebx
        mov eax, 1
        cpuid
        ud2)"));
      g.run();
      REQUIRE(g.fault);
      CHECK(g.fault->vector == core::VEC_UD);
      CHECK(g.cpu.s.cpl == 3);
      CHECK(g.reg(core::ESI) == 0x756E6547);
      CHECK(g.reg(core::EDX) == FEATURES_EDX);
    }
  }
}

// --- every advertised feature works ---------------------------------------

TEST_CASE("every advertised feature bit has a test that runs it", "[system][cpuid]") {
  // The features exercised by the tests below. A new bit in FEATURES_EDX
  // must come with a test here.
  constexpr uint32_t tested =
      edx::DE | edx::PSE | edx::TSC | edx::MSR | edx::CX8 | edx::SEP | edx::PGE | edx::CMOV |
      core::cpuid::FPU_FEATURES_EDX;  // tests/isa/x87_*, mmx_*, sse_*
  CHECK((FEATURES_EDX & ~tested) == 0);
}

TEST_CASE("feature CMOV: cmovcc moves on the condition only", "[system][cpuid][feature]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.load(test::nasm(R"(bits 32
        mov eax, 1
        mov ebx, 2
        mov ecx, 3
        cmp eax, eax
        cmovz ebx, ecx     ; taken
        cmovnz eax, ecx    ; not taken
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(core::EBX) == 3);
      CHECK(g.reg(core::EAX) == 1);
    }
  }
}

TEST_CASE("feature CX8: cmpxchg8b compares and exchanges 64 bits", "[system][cpuid][feature]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.load(test::nasm(R"(bits 32
        mov dword [0x3000], 0x11111111
        mov dword [0x3004], 0x22222222
        mov eax, 0x11111111
        mov edx, 0x22222222
        mov ebx, 0x33333333
        mov ecx, 0x44444444
        cmpxchg8b [0x3000]     ; equal: stores ECX:EBX, ZF = 1
        setz byte [0x3010]
        cmpxchg8b [0x3000]     ; not equal now: loads EDX:EAX, ZF = 0
        setz byte [0x3011]
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.read32(0x3000) == 0x33333333);
      CHECK(g.read32(0x3004) == 0x44444444);
      CHECK(g.read8(0x3010) == 1);
      CHECK(g.read8(0x3011) == 0);
      CHECK(g.reg(core::EAX) == 0x33333333);
      CHECK(g.reg(core::EDX) == 0x44444444);
    }
  }
}

TEST_CASE("feature TSC: rdtsc counts forward", "[system][cpuid][feature]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.load(test::nasm(R"(bits 32
        rdtsc
        mov esi, eax
        mov edi, edx
        nop
        nop
        rdtsc
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      const uint64_t t0 = uint64_t(g.reg(core::EDI)) << 32 | g.reg(core::ESI);
      const uint64_t t1 = uint64_t(g.reg(core::EDX)) << 32 | g.reg(core::EAX);
      CHECK(t1 > t0);
    }
  }
}

TEST_CASE("feature MSR: wrmsr/rdmsr round trip", "[system][cpuid][feature]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.load(test::nasm(R"(bits 32
        mov ecx, 0x175
        mov eax, 0xCAFE0000
        xor edx, edx
        wrmsr
        xor eax, eax
        rdmsr
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(core::EAX) == 0xCAFE0000);
      CHECK(g.reg(core::EDX) == 0);
    }
  }
}

TEST_CASE("feature SEP: sysenter enters ring 0 at SYSENTER_EIP", "[system][cpuid][feature]") {
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
        TO_RING3 user
      user:
        sysenter
      kernel:
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.cpu.s.halted);
      CHECK(g.cpu.s.cpl == 0);
      CHECK(g.cpu.s.seg[core::CS].sel == 0x08);
      CHECK(g.reg(core::ESP) == 0x70000);
    }
  }
}

TEST_CASE("feature DE: CR4.DE makes DR4 undefined and enables I/O breakpoints", "[system][cpuid][feature]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.load(test::nasm(R"(bits 32
        mov eax, dr4          ; CR4.DE = 0: DR4 is DR6
        mov esi, eax
        mov eax, cr4
        or eax, 8
        mov cr4, eax
        mov eax, 0x80
        mov dr0, eax
        mov eax, 0x00020001   ; L0, R/W0 = 10 (I/O), LEN0 = 1 byte
        mov dr7, eax
        out 0x80, al
        nop
        hlt)"));
      g.run();
      CHECK(g.reg(core::ESI) == 0xFFFF0FF0);
      REQUIRE(g.fault);
      CHECK(g.fault->vector == core::VEC_DB);
      CHECK((g.cpu.s.dr[6] & 0xF) == 1);
      CHECK(g.read8(g.fault_eip) == 0x90);  // a trap: after the OUT
    }
  }
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e << " dr4") {
      test::Guest g(e);
      g.load(test::nasm(R"(bits 32
        mov eax, cr4
        or eax, 8
        mov cr4, eax
        mov eax, dr4
        hlt)"));
      g.run();
      REQUIRE(g.fault);
      CHECK(g.fault->vector == core::VEC_UD);
    }
  }
}

TEST_CASE("feature PSE: a 4 MiB page maps 4 MiB", "[system][cpuid][feature]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      test::PageTables pt(g);
      pt.map4m(0, 0, pt.P | pt.RW);
      pt.map4m(0x80000000u, 0x400000, pt.P | pt.RW);
      g.write32(0x400000 + 0x123454, 0x5A5A1234);
      g.load(test::nasm(test::prelude32() + R"(
        mov eax, cr4
        or eax, 0x10        ; PSE
        mov cr4, eax
        ENABLE_PAGING
        mov ebx, [0x80123454]
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(core::EBX) == 0x5A5A1234);
    }
  }
}

TEST_CASE("feature PGE: a global page survives a CR3 write", "[system][cpuid][feature]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      test::PageTables pt(g);
      pt.identity_low();
      pt.map4k(0x40005000, 0x300000, pt.P | pt.RW | pt.G);
      g.write32(0x300000, 0x11111111);
      g.write32(0x301000, 0x22222222);
      const uint32_t pte = pt.pte_addr(0x40005000);
      g.load(test::nasm(test::prelude32() + R"(
        mov eax, cr4
        or eax, 0x80        ; PGE
        mov cr4, eax
        ENABLE_PAGING
        mov ebx, [0x40005000]
        mov dword [)" + std::to_string(pte) + R"(], 0x301103
        mov eax, cr3
        mov cr3, eax
        mov ecx, [0x40005000]   ; still the old page: the entry is global
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(core::EBX) == 0x11111111);
      CHECK(g.reg(core::ECX) == 0x11111111);
    }
  }
}
