// The floating-point CPUID bits (FPU, MMX, FXSR, SSE, SSE2) and what a guest
// does with them: read CPUID, enable CR4.OSFXSR/OSXMMEXCPT with MOV CR4,
// clear CR0.EM, then use x87, MMX, FXSAVE, SSE and SSE2 code.
#include <catch2/catch.hpp>

#include "core/interp/cpuid.hpp"
#include "tests/support/guest.hpp"

using namespace xlat;

TEST_CASE("CPUID advertises FPU, MMX, FXSR, SSE and SSE2 and a guest can enable and use them", "[isa][sse][cpuid]") {
  using namespace core::cpuid;
  CHECK((FEATURES_EDX & FPU_FEATURES_EDX) == FPU_FEATURES_EDX);
  CHECK((CR4_VALID & (core::cr4::OSFXSR | core::cr4::OSXMMEXCPT)) == (core::cr4::OSFXSR | core::cr4::OSXMMEXCPT));
  for (const auto& e : test::engines()) {
    test::Guest g(e);
    g.load(test::nasm(R"(bits 32
      mov eax, 1
      cpuid
      mov [0x2000], edx
      mov eax, cr0
      and eax, ~4            ; EM off
      or eax, 0x22           ; MP, NE
      mov cr0, eax
      mov eax, cr4
      or eax, 0x600          ; OSFXSR, OSXMMEXCPT
      mov cr4, eax
      fninit
      fld1
      fadd st0, st0          ; 2.0
      fistp dword [0x2004]
      mov dword [0x2010], 3
      movd mm0, [0x2010]
      paddd mm0, mm0         ; 6
      movd [0x2008], mm0
      emms
      cvtsi2ss xmm0, dword [0x2010]
      mulss xmm0, xmm0       ; 9.0
      cvtss2si eax, xmm0
      mov [0x200c], eax
      cvtsi2sd xmm1, eax
      addsd xmm1, xmm1       ; 18.0
      cvttsd2si eax, xmm1
      mov [0x2014], eax
      fxsave [0x2100]
      hlt)"));
    g.run();
    INFO(e);
    REQUIRE_FALSE(g.fault);
    CHECK(g.read32(0x2000) == FEATURES_EDX);
    CHECK(g.read32(0x2004) == 2);
    CHECK(g.read32(0x2008) == 6);
    CHECK(g.read32(0x200c) == 9);
    CHECK(g.read32(0x2014) == 18);
    CHECK(g.read32(0x2100 + 24) == 0x1F80);  // FXSAVE's MXCSR
    CHECK(g.read32(0x2100 + 28) == 0xFFFF);  // MXCSR_MASK
  }
}
