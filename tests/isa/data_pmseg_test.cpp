// Segment register loads by data-movement instructions in protected mode
// (POP Sreg, MOV Sreg, LDS/LES/LFS/LGS/LSS) with a GDT in guest memory: a
// good load sets the cache, a null selector is allowed in DS/ES/FS/GS but
// not SS, and a rejected selector faults with its error code before the
// stack pointer or the general register changes.
#include <catch2/catch.hpp>

#include "tests/support/guest.hpp"

using namespace xlat;
using core::EAX, core::ECX, core::EDX, core::EBX, core::ESP, core::EBP, core::ESI, core::EDI;

namespace {

constexpr uint32_t GDT = 0x5000;

void put_desc(test::Guest& g, unsigned index, uint32_t base, uint32_t limit, uint8_t access, uint8_t flags) {
  const uint32_t lo = (limit & 0xFFFF) | ((base & 0xFFFF) << 16);
  const uint32_t hi = ((base >> 16) & 0xFF) | (uint32_t(access) << 8) | (limit & 0xF0000) |
                      (uint32_t(flags) << 20) | (base & 0xFF000000u);
  g.write32(GDT + index * 8, lo);
  g.write32(GDT + index * 8 + 4, hi);
}

// 0x10 flat code, 0x18 flat data (the selectors the flat guest's caches
// carry), 0x20 data at 1 MiB with a 4 KiB limit, 0x28 execute-only code,
// 0x30 a data segment that is not present.
void setup_gdt(test::Guest& g) {
  for (unsigned k = 0; k < 8; ++k) put_desc(g, k, 0, 0, 0, 0);
  put_desc(g, 2, 0, 0xFFFFF, 0x9A, 0xC);
  put_desc(g, 3, 0, 0xFFFFF, 0x92, 0xC);
  put_desc(g, 4, 0x100000, 0xFFF, 0x92, 0x4);
  put_desc(g, 5, 0, 0xFFFFF, 0x98, 0xC);
  put_desc(g, 6, 0, 0xFFFFF, 0x12, 0xC);
  g.cpu.s.gdtr.base = GDT;
  g.cpu.s.gdtr.limit = 8 * 8 - 1;
}

}  // namespace

TEST_CASE("pop and mov load segment registers through the GDT", "[isa][flow][stack][pmseg]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      setup_gdt(g);
      g.write32(0x100010, 0x600DF00D);
      g.load(test::nasm(R"(bits 32
        mov esp, 0x8000
        push dword 0x20
        pop fs
        mov eax, [fs:0x10]
        push dword 0
        pop gs                  ; a null selector is fine in GS
        mov bx, 0x20
        mov es, bx
        mov ecx, [es:0x10]
        push dword 0x28         ; execute-only code: not loadable into a data register
        pop es
        hlt)"));
      g.run();
      REQUIRE(g.fault);
      CHECK(g.fault->vector == core::VEC_GP);
      CHECK(g.fault->error == 0x28);
      CHECK(g.reg(EAX) == 0x600DF00D);
      CHECK(g.reg(ECX) == 0x600DF00D);
      CHECK(g.cpu.s.seg[core::FS].base == 0x100000);
      CHECK(g.cpu.s.seg[core::GS].sel == 0);
      CHECK(g.cpu.s.seg[core::ES].sel == 0x20);  // unchanged by the failed POP
      CHECK(g.reg(ESP) == 0x7FFC);                // POP did not move ESP
    }
  }
}

TEST_CASE("pop ss of a null selector and a not-present segment fault", "[isa][flow][stack][pmseg]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e << " null SS") {
      test::Guest g(e);
      setup_gdt(g);
      g.load(test::nasm("bits 32\n mov esp, 0x8000\n push dword 0\n pop ss\n hlt"));
      g.run();
      REQUIRE(g.fault);
      CHECK(g.fault->vector == core::VEC_GP);
      CHECK(g.fault->error == 0);
      CHECK(g.reg(ESP) == 0x7FFC);
    }
    DYNAMIC_SECTION(e << " not present") {
      test::Guest g(e);
      setup_gdt(g);
      g.load(test::nasm("bits 32\n mov esp, 0x8000\n push dword 0x30\n pop ds\n hlt"));
      g.run();
      REQUIRE(g.fault);
      CHECK(g.fault->vector == core::VEC_NP);
      CHECK(g.fault->error == 0x30);
      CHECK(g.reg(ESP) == 0x7FFC);
    }
  }
}

TEST_CASE("lds and lss in protected mode: the register changes only after the segment loads",
          "[isa][flow][lxs][pmseg]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      setup_gdt(g);
      g.write32(0x2000, 0x00000010);  // 0x20:0x10
      g.write32(0x2004, 0x0020);
      g.write32(0x2010, 0x00009000);  // 0x28:0x9000 (not a stack segment)
      g.write32(0x2014, 0x0028);
      g.write32(0x100010, 0xFEEDC0DE);
      g.load(test::nasm(R"(bits 32
        mov esp, 0x8000
        lds esi, [0x2000]
        mov eax, [esi]
        mov ebx, 0x18
        mov ds, bx
        lss esp, [0x2010]
        hlt)"));
      g.run();
      REQUIRE(g.fault);
      CHECK(g.fault->vector == core::VEC_GP);
      CHECK(g.fault->error == 0x28);
      CHECK(g.reg(ESI) == 0x10);
      CHECK(g.reg(EAX) == 0xFEEDC0DE);
      CHECK(g.reg(ESP) == 0x8000);
      CHECK(g.cpu.s.seg[core::SS].sel == 0x18);
    }
  }
}
