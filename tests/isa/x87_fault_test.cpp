// x87/MMX/SSE exceptions and modes that a native run cannot show: #NM
// (CR0.EM/TS/MP), #UD (MMX/SSE availability), #MF at the next waiting
// instruction, the FERR# output with CR0.NE = 0, #XM/#UD for unmasked SIMD
// exceptions, alignment #GP, reserved MXCSR bits, precise faults of x87
// stores, the real-mode environment layouts, RESET versus INIT. Expected
// values follow the Intel SDM.
#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "core/fpu/x87.hpp"
#include "tests/support/guest.hpp"

using namespace xlat;
using core::cr0::EM;
using core::cr0::MP;
using core::cr0::NE;
using core::cr0::TS;

namespace {

constexpr uint32_t DATA = 0x2000;

struct Setup {
  uint32_t cr0_set = NE;
  uint32_t cr0_clear = 0;
  uint32_t cr4 = core::cr4::OSFXSR | core::cr4::OSXMMEXCPT;
};

// Runs `code` (32-bit flat) with the FPU in FNINIT state; returns the guest.
void run(test::Guest& g, const std::string& code, const Setup& s = {}) {
  g.cpu.s.cr0 = (g.cpu.s.cr0 | s.cr0_set) & ~uint64_t(s.cr0_clear);
  g.cpu.s.cr4 = s.cr4;
  core::fpu::x87_init(g.cpu);
  g.load(test::nasm("bits 32\n" + code));
  g.run();
}

uint32_t offset_of(const std::string& prefix) { return uint32_t(test::nasm("bits 32\n" + prefix).size()); }

}  // namespace

TEST_CASE("x87 instructions raise #NM when CR0.EM or CR0.TS is set", "[isa][x87]") {
  for (const auto& e : test::engines()) {
    for (uint32_t bit : {EM, TS}) {
      test::Guest g(e);
      run(g, "fld1\nhlt", {NE | bit, 0, 0});
      INFO(e << " cr0 bit " << bit);
      REQUIRE(g.fault);
      CHECK(g.fault->vector == core::VEC_NM);
      CHECK(g.fault_eip == test::Guest::CODE);
    }
  }
}

TEST_CASE("FWAIT raises #NM only when CR0.MP and CR0.TS are both set", "[isa][x87]") {
  for (const auto& e : test::engines()) {
    test::Guest a(e);
    run(a, "fwait\nhlt", {NE | TS | EM, MP, 0});
    CHECK_FALSE(a.fault);
    test::Guest b(e);
    run(b, "fwait\nhlt", {NE | TS | MP, 0, 0});
    REQUIRE(b.fault);
    CHECK(b.fault->vector == core::VEC_NM);
  }
}

TEST_CASE("MMX and SSE availability: #UD for CR0.EM or no CR4.OSFXSR, #NM for CR0.TS", "[isa][mmx][sse]") {
  struct Row {
    const char* code;
    Setup s;
    int vector;  // -1: no fault
  };
  const Row rows[] = {
      {"paddb mm0, mm1", {NE | EM, 0, 0}, core::VEC_UD},
      {"paddb mm0, mm1", {NE | TS, 0, 0}, core::VEC_NM},
      {"paddb mm0, mm1", {NE, 0, 0}, -1},  // MMX needs no CR4.OSFXSR
      {"emms", {NE | EM, 0, 0}, core::VEC_UD},
      {"addps xmm0, xmm1", {NE, 0, 0}, core::VEC_UD},
      {"addps xmm0, xmm1", {NE | EM, 0, core::cr4::OSFXSR}, core::VEC_UD},
      {"addps xmm0, xmm1", {NE | TS, 0, core::cr4::OSFXSR}, core::VEC_NM},
      {"addps xmm0, xmm1", {NE | TS | EM, 0, core::cr4::OSFXSR}, core::VEC_UD},
      {"addps xmm0, xmm1", {NE, 0, core::cr4::OSFXSR}, -1},
      {"paddb xmm0, xmm1", {NE, 0, 0}, core::VEC_UD},
      {"ldmxcsr [ebx]", {NE, 0, 0}, core::VEC_UD},
      {"pavgb mm0, mm1", {NE, 0, 0}, -1},       // SSE integer on MMX registers: MMX rules
      {"fxsave [ebx]", {NE, 0, 0}, -1},         // FXSAVE needs no OSFXSR...
      {"fxsave [ebx]", {NE | TS, 0, 0}, core::VEC_NM},
      {"fxsave [ebx]", {NE | EM, 0, 0}, core::VEC_NM},
      {"sfence", {NE | EM | TS, 0, 0}, -1},     // ordering/cache hints ignore CR0
      {"clflush [ebx]", {NE | EM | TS, 0, 0}, -1},
      {"movnti [ebx], eax", {NE | EM | TS, 0, 0}, -1},
  };
  for (const auto& e : test::engines()) {
    for (const Row& r : rows) {
      test::Guest g(e);
      g.cpu.s.gpr[core::EBX] = DATA;
      run(g, std::string(r.code) + "\nhlt", r.s);
      INFO(e << ": " << r.code << " cr0 " << r.s.cr0_set << " cr4 " << r.s.cr4);
      if (r.vector < 0) {
        CHECK_FALSE(g.fault);
      } else {
        REQUIRE(g.fault);
        CHECK(int(g.fault->vector) == r.vector);
        CHECK(g.fault_eip == test::Guest::CODE);
      }
    }
  }
}

TEST_CASE("an unmasked x87 exception is reported as #MF by the next waiting instruction", "[isa][x87]") {
  const std::string prefix =
      "mov dword [0x2000], 0x37B\n"  // ZE unmasked
      "fldcw [0x2000]\n"
      "fldz\n"
      "fld1\n"
      "fdiv st0, st1\n"              // 1/0: ZE pending, ST(0) unchanged
      "fnstsw [0x2004]\n"            // no-wait: no fault
      "fnstcw [0x2008]\n";
  for (const auto& e : test::engines()) {
    for (const char* waiting : {"fadd st0, st0", "fwait", "fld1", "fldcw [0x2000]", "paddb mm0, mm1"}) {
      test::Guest g(e);
      run(g, prefix + waiting + "\nhlt");
      INFO(e << ": " << waiting);
      REQUIRE(g.fault);
      CHECK(g.fault->vector == core::VEC_MF);
      CHECK(g.fault_eip == test::Guest::CODE + offset_of(prefix));
      const uint16_t sw = uint16_t(g.read32(0x2004));
      CHECK((sw & 0x80FF) == 0x8084);   // B, ES, ZE
      CHECK(((sw >> 11) & 7) == 6);     // nothing popped or pushed by the FDIV
      const core::FpuState& f = g.cpu.s.fpu;
      CHECK(f.st[6].se == 0x3FFF);      // ST(0) still 1.0
      CHECK(f.st[6].mant == 0x8000000000000000ull);
    }
    // The no-wait instructions and FXSAVE do not report it; FNCLEX clears it.
    test::Guest g(e);
    run(g, prefix + "fnstenv [0x2100]\nfnsave [0x2200]\nfldcw [0x2000]\nfld1\nfdiv st0, st1\n"
                    "fxsave [0x2400]\nfnclex\nfadd st0, st0\nhlt");
    CHECK_FALSE(g.fault);
  }
}

TEST_CASE("with CR0.NE clear an unmasked x87 exception drives FERR# instead of #MF", "[isa][x87]") {
  for (const auto& e : test::engines()) {
    test::Guest g(e);
    std::vector<bool> levels;
    g.cpu.ferr_out = [&](bool level) { levels.push_back(level); };
    run(g,
        "mov dword [0x2000], 0x37B\nfldcw [0x2000]\nfldz\nfld1\nfdiv st0, st1\n"
        "fadd st0, st0\n"        // waiting, but no #MF in MS-DOS compatible mode
        "fnstsw [0x2004]\nfnclex\nfnstsw [0x2008]\nhlt",
        {0, NE, 0});
    INFO(e);
    CHECK_FALSE(g.fault);
    CHECK(levels == std::vector<bool>{true, false});
    CHECK((g.read32(0x2004) & 0x8080) == 0x8080);
    CHECK((g.read32(0x2008) & 0x80FF) == 0);
  }
}

TEST_CASE("unmasked SIMD exceptions raise #XM, or #UD without CR4.OSXMMEXCPT, leaving the destination", "[isa][sse]") {
  const std::string code =
      "mov dword [0x2000], 0x1D80\n"   // ZE unmasked
      "ldmxcsr [0x2000]\n"
      "mov dword [0x2010], 0x3F800000\n"
      "mov dword [0x2014], 0\n"
      "movss xmm0, [0x2010]\n"          // 1.0
      "movss xmm1, [0x2014]\n"          // 0.0
      "divss xmm0, xmm1\n"
      "hlt";
  for (const auto& e : test::engines()) {
    for (bool osxmm : {true, false}) {
      test::Guest g(e);
      run(g, code, {NE, 0, core::cr4::OSFXSR | (osxmm ? core::cr4::OSXMMEXCPT : 0u)});
      INFO(e << " OSXMMEXCPT " << osxmm);
      REQUIRE(g.fault);
      CHECK(g.fault->vector == (osxmm ? core::VEC_XM : core::VEC_UD));
      CHECK(g.cpu.s.fpu.xmm[0].q[0] == 0x3F800000u);  // destination unchanged
      CHECK(g.cpu.s.fpu.mxcsr == 0x1D84u);             // ZE flagged
    }
    // An unmasked denormal operand stops before the computation: no PE/UE.
    test::Guest g(e);
    run(g,
        "mov dword [0x2000], 0x1E80\nldmxcsr [0x2000]\n"  // DE unmasked
        "mov dword [0x2010], 1\nmov dword [0x2014], 0x7F000000\n"
        "movss xmm0, [0x2010]\nmovss xmm1, [0x2014]\ndivss xmm0, xmm1\nhlt");
    REQUIRE(g.fault);
    CHECK(g.fault->vector == core::VEC_XM);
    CHECK(g.cpu.s.fpu.mxcsr == 0x1E82u);
  }
}

TEST_CASE("misaligned 16-byte SSE operands and FXSAVE areas raise #GP(0)", "[isa][sse]") {
  for (const auto& e : test::engines()) {
    for (const char* code : {"movaps xmm0, [0x2008]", "movaps [0x2001], xmm0", "addps xmm0, [0x2004]",
                             "movdqa xmm1, [0x2008]", "pxor xmm1, [0x2008]", "fxsave [0x2008]",
                             "fxrstor [0x2010 + 8]", "movntps [0x2008], xmm0"}) {
      test::Guest g(e);
      run(g, std::string(code) + "\nhlt");
      INFO(e << ": " << code);
      REQUIRE(g.fault);
      CHECK(g.fault->vector == core::VEC_GP);
      CHECK(g.fault->error == 0);
    }
    for (const char* code : {"movups xmm0, [0x2008]", "movdqu [0x2001], xmm0", "addss xmm0, [0x2004]",
                             "movq xmm0, [0x2004]", "pxor mm0, [0x2001]"}) {
      test::Guest g(e);
      run(g, std::string(code) + "\nhlt");
      INFO(e << ": " << code);
      CHECK_FALSE(g.fault);
    }
  }
}

TEST_CASE("reserved MXCSR bits raise #GP(0) in LDMXCSR and FXRSTOR", "[isa][sse]") {
  for (const auto& e : test::engines()) {
    test::Guest a(e);
    run(a, "mov dword [0x2000], 0x11F80\nldmxcsr [0x2000]\nhlt");
    REQUIRE(a.fault);
    CHECK(a.fault->vector == core::VEC_GP);
    CHECK(a.cpu.s.fpu.mxcsr == 0x1F80u);
    test::Guest b(e);
    run(b, "fxsave [0x2000]\nmov dword [0x2018], 0x10000\nfxrstor [0x2000]\nhlt");
    REQUIRE(b.fault);
    CHECK(b.fault->vector == core::VEC_GP);
    test::Guest c(e);
    run(c, "mov dword [0x2000], 0xFFFF\nldmxcsr [0x2000]\nstmxcsr [0x2004]\nhlt");  // DAZ etc. writable
    CHECK_FALSE(c.fault);
    CHECK(c.read32(0x2004) == 0xFFFFu);
  }
}

TEST_CASE("a faulting x87 store leaves the stack and memory unchanged", "[isa][x87]") {
  for (const auto& e : test::engines()) {
    test::Guest g(e, test::Mode::Real16);
    g.cpu.s.cr0 |= NE;
    core::fpu::x87_init(g.cpu);
    // 10 bytes at FFFA run past the 64 KiB real-mode limit: #GP before any write.
    g.load(test::nasm("bits 16\nfld1\nfldpi\nfstp tword [0xFFFA]\nhlt"), 0x1000);
    g.run();
    REQUIRE(g.fault);
    CHECK(g.fault->vector == core::VEC_GP);
    CHECK(g.fault_eip == 0x1000 + 4);
    CHECK(g.cpu.s.fpu.top == 6);
    CHECK(g.cpu.s.fpu.ftw == 0xC0);
    CHECK(g.read32(0xFFF8) == 0);
  }
}

TEST_CASE("real-mode FNSTENV/FNSAVE use the linear-pointer layouts", "[isa][x87]") {
  // DS = 0x50, data at DS:0x200 (linear 0x700); the FADD sits at 0:0x1000 + 5.
  const std::string code =
      "bits 16\n"
      "mov ax, 0x50\nmov ds, ax\n"         // 3 + 2 bytes
      "fadd dword [0x200]\n"               // D8 06 00 02: FOP = 0x006
      "fnstenv [0x300]\n"                  // 14-byte form
      "o32 fnstenv [0x320]\n"              // 28-byte form
      "o32 fldenv [0x320]\n"
      "o32 fnstenv [0x360]\n"
      "fldenv [0x300]\n"
      "fnstenv [0x3a0]\n"
      "hlt";
  for (const auto& e : test::engines()) {
    test::Guest g(e, test::Mode::Real16);
    core::fpu::x87_init(g.cpu);
    g.load(test::nasm(code), 0x1000);
    g.run();
    INFO(e);
    REQUIRE_FALSE(g.fault);
    uint8_t env16[14], env32[28], again32[28], again16[14];
    g.m.bus.copy_from(0x800, env16, 14);
    g.m.bus.copy_from(0x820, env32, 28);
    g.m.bus.copy_from(0x860, again32, 28);
    g.m.bus.copy_from(0x8A0, again16, 14);
    auto w16 = [](const uint8_t* p, unsigned o) { return uint16_t(p[o] | (p[o + 1] << 8)); };
    auto w32 = [](const uint8_t* p, unsigned o) { return uint32_t(p[o] | (p[o + 1] << 8) | (p[o + 2] << 16) | (p[o + 3] << 24)); };
    const uint32_t fip = 0x1005, fdp = 0x700;
    CHECK(w16(env16, 0) == 0x037F);
    CHECK(w16(env16, 6) == (fip & 0xFFFF));
    CHECK(w16(env16, 8) == (((fip >> 4) & 0xF000) | 0x006));
    CHECK(w16(env16, 10) == (fdp & 0xFFFF));
    CHECK(w16(env16, 12) == ((fdp >> 4) & 0xF000));
    CHECK(w32(env32, 0) == 0xFFFF037Fu);
    CHECK(w32(env32, 12) == (0xFFFF0000u | (fip & 0xFFFF)));
    CHECK(w32(env32, 16) == (((fip >> 4) & 0x0FFFF000u) | 0x006));
    CHECK(w32(env32, 20) == (0xFFFF0000u | (fdp & 0xFFFF)));
    CHECK(w32(env32, 24) == ((fdp >> 4) & 0x0FFFF000u));
    CHECK(std::memcmp(env32, again32, 28) == 0);  // FLDENV/FNSTENV round trip
    CHECK(std::memcmp(env16, again16, 14) == 0);
  }
}

TEST_CASE("RESET initialises the FPU as the SDM says, INIT leaves it alone", "[isa][x87]") {
  for (const auto& e : test::engines()) {
    test::Guest g(e);
    run(g, "fld1\nfldpi\nmov dword [0x2000], 0x1F00\nldmxcsr [0x2000]\nmovups xmm2, [0x2000]\nhlt");
    REQUIRE_FALSE(g.fault);
    const core::FpuState before = g.cpu.s.fpu;
    g.cpu.reset(true);
    CHECK(std::memcmp(&g.cpu.s.fpu, &before, sizeof before) == 0);
    g.cpu.reset();
    const core::FpuState& f = g.cpu.s.fpu;
    CHECK(f.fcw == 0x0040);
    CHECK(core::fpu::x87_fsw(f) == 0);
    CHECK(f.ftw == 0xFF);
    for (const auto& r : f.st) CHECK((r.mant == 0 && r.se == 0));
    CHECK(f.mxcsr == 0x1F80u);
    CHECK((f.xmm[2].q[0] == 0 && f.xmm[2].q[1] == 0));
  }
}
