// TLB behaviour seen by the guest: what a CR3 write, INVLPG and toggling
// CR4.PGE flush (detected through stale mappings: the guest rewrites a PTE
// without flushing and sees which frame it still reaches), and self-modifying
// code (code pages never take the TLB's fast write path).
//
// Every test's stale mappings use linear pages whose soft-TLB slots no other
// access in the test touches, so only the flush under test can evict them.
#include <catch2/catch.hpp>

#include <cstdio>

#include "tests/core/system_guest_util.hpp"

using namespace xlat;
using namespace xlat::core;
using PT = test::PageTables;

namespace {
std::string hex(uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%X", v);
  return b;
}

// Two mapped pages, A (global) and B (not global), each with a second frame
// the test can switch its PTE to.
struct TwoPages {
  static constexpr uint32_t A = 0x40005000, B = 0x40006000;
  static constexpr uint32_t A_OLD = 0x300000, A_NEW = 0x302000, B_OLD = 0x301000, B_NEW = 0x303000;
  uint32_t pte_a, pte_b;
  TwoPages(test::Guest& g, PT& pt) {
    pt.identity_low();
    pt.map4k(A, A_OLD, PT::P | PT::RW | PT::G);
    pt.map4k(B, B_OLD, PT::P | PT::RW);
    pte_a = pt.pte_addr(A);
    pte_b = pt.pte_addr(B);
    g.write32(A_OLD, 0xA0);
    g.write32(A_NEW, 0xA1);
    g.write32(B_OLD, 0xB0);
    g.write32(B_NEW, 0xB1);
  }
  // Assembly: fill the TLB with both pages, then point both PTEs at their new frames.
  std::string remap() const {
    return "mov eax, [" + hex(A) + "]\n mov eax, [" + hex(B) + "]\n mov dword [" + hex(pte_a) + "], " +
           hex(A_NEW | PT::P | PT::RW | PT::G) + "\n mov dword [" + hex(pte_b) + "], " +
           hex(B_NEW | PT::P | PT::RW) + "\n";
  }
};

const char* enable_pge = "mov eax, cr4\n or eax, 0x80\n mov cr4, eax\n";
}  // namespace

TEST_CASE("tlb: a CR3 write flushes non-global entries and keeps global ones", "[paging][tlb]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      PT pt(g);
      TwoPages tp(g, pt);
      g.load(test::nasm(test::prelude32() + enable_pge + "ENABLE_PAGING\n" + tp.remap() + R"(
        mov esi, [0x40005000]    ; stale until flushed
        mov edi, [0x40006000]
        mov eax, cr3
        mov cr3, eax
        mov ebx, [0x40005000]    ; global: still the old frame
        mov ecx, [0x40006000]    ; not global: the new frame
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(ESI) == 0xA0);
      CHECK(g.reg(EDI) == 0xB0);
      CHECK(g.reg(EBX) == 0xA0);
      CHECK(g.reg(ECX) == 0xB1);
    }
  }
}

TEST_CASE("tlb: without CR4.PGE the G bit is ignored and a CR3 write flushes all", "[paging][tlb]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      PT pt(g);
      TwoPages tp(g, pt);
      g.load(test::nasm(test::prelude32() + "ENABLE_PAGING\n" + tp.remap() + R"(
        mov eax, cr3
        mov cr3, eax
        mov ebx, [0x40005000]
        mov ecx, [0x40006000]
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(EBX) == 0xA1);
      CHECK(g.reg(ECX) == 0xB1);
    }
  }
}

TEST_CASE("tlb: INVLPG flushes one page, global or not", "[paging][tlb]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      PT pt(g);
      TwoPages tp(g, pt);
      g.load(test::nasm(test::prelude32() + enable_pge + "ENABLE_PAGING\n" + tp.remap() + R"(
        invlpg [0x40005123]      ; any address in the page
        mov ebx, [0x40005000]    ; global, but flushed by INVLPG
        mov ecx, [0x40006000]    ; not flushed: still stale
        invlpg [0x40006000]
        mov edx, [0x40006000]
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(EBX) == 0xA1);
      CHECK(g.reg(ECX) == 0xB0);
      CHECK(g.reg(EDX) == 0xB1);
    }
  }
}

TEST_CASE("tlb: INVLPG uses the segment base of its operand", "[paging][tlb]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      test::setup_tables(g);
      PT pt(g);
      TwoPages tp(g, pt);
      // FS with base 0x40000000 (GDT entry 0x30).
      test::write64(g, test::GDT + 0x30, test::descriptor(0x40000000, 0xFFFFF, 0x93, 0xC));
      g.cpu.s.gdtr.limit = 0x37;
      g.load(test::nasm(test::prelude32() + "ENABLE_PAGING\n" + tp.remap() + R"(
        mov ax, 0x30
        mov fs, ax
        invlpg [fs:0x6000]
        mov ecx, [0x40006000]
        mov ebx, [0x40005000]
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(ECX) == 0xB1);
      CHECK(g.reg(EBX) == 0xA0);
    }
  }
}

TEST_CASE("tlb: toggling CR4.PGE flushes global entries", "[paging][tlb]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      PT pt(g);
      TwoPages tp(g, pt);
      g.load(test::nasm(test::prelude32() + enable_pge + "ENABLE_PAGING\n" + tp.remap() + R"(
        mov eax, cr4
        and eax, ~0x80
        mov cr4, eax
        or eax, 0x80
        mov cr4, eax
        mov ebx, [0x40005000]
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(EBX) == 0xA1);
    }
  }
}

TEST_CASE("tlb: INVLPG of any address in a 4 MiB page flushes all of it", "[paging][tlb]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      PT pt(g);
      pt.map4m(0, 0, PT::P | PT::RW);
      pt.map4m(0x80000000u, 0x400000, PT::P | PT::RW);
      const uint32_t pde = pt.pde_addr(0x80000000u);
      g.write32(0x400000 + 0x5000, 0x40);
      g.write32(0x800000 + 0x5000, 0x80);
      g.load(test::nasm(test::prelude32() + R"(
        mov eax, cr4
        or eax, 0x10
        mov cr4, eax
        ENABLE_PAGING
        mov eax, [0x80005000]
        mov dword [)" + hex(pde) + "], " + hex(0x800000 | PT::P | PT::RW | PT::PS) + R"(
        mov esi, [0x80005000]     ; stale
        invlpg [0x80300000]       ; another 4 KiB piece of the same 4 MiB page
        mov edi, [0x80005000]
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(ESI) == 0x40);
      CHECK(g.reg(EDI) == 0x80);
    }
  }
}

TEST_CASE("tlb: clearing CR0.PG and setting it again flushes everything", "[paging][tlb]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      PT pt(g);
      TwoPages tp(g, pt);
      g.load(test::nasm(test::prelude32() + enable_pge + "ENABLE_PAGING\n" + tp.remap() + R"(
        mov eax, cr0
        and eax, 0x7FFFFFFF
        mov cr0, eax
        ENABLE_PAGING
        mov ebx, [0x40005000]
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(EBX) == 0xA1);
    }
  }
}

// --- self-modifying code ------------------------------------------------------

TEST_CASE("smc: an instruction that rewrites the next one in its block runs the new bytes", "[paging][smc]") {
  for (const bool paged : {false, true}) {
    for (const auto& e : test::engines()) {
      DYNAMIC_SECTION(e << (paged ? " paging" : " no paging")) {
        test::Guest g(e);
        PT pt(g);
        pt.identity_low();
        g.load(test::nasm(test::prelude32() + (paged ? "ENABLE_PAGING\n" : "") + R"(
          mov ecx, 3
        again:
          inc byte [patch + 1]         ; the immediate of the next instruction
        patch:
          mov eax, 0x11111111
          mov byte [patch2], 0x43      ; turn the next instruction into INC EBX
        patch2:
          nop
          dec ecx
          jnz again
          hlt)"));
        g.run();
        REQUIRE(!g.fault);
        CHECK(g.reg(EAX) == 0x11111114);  // the third increment
        CHECK(g.reg(EBX) == 3);
      }
    }
  }
}

TEST_CASE("smc: a write through another linear alias of the code page is seen", "[paging][smc]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      PT pt(g);
      pt.identity_low();
      pt.map4k(0x40010000u, 0x10000, PT::P | PT::RW);  // alias of the code page
      g.load(test::nasm(test::prelude32() + R"(
        ENABLE_PAGING
        mov edx, 0x40000000 + patch
        mov dword [edx + 1], 0x5555AAAA  ; the immediate, through the alias
      patch:
        mov eax, 0x11111111
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(EAX) == 0x5555AAAA);
    }
  }
}

TEST_CASE("smc: a page written before it held code is write-protected once it does", "[paging][smc]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.load(test::nasm(test::prelude32() + R"(
        ; Copy a routine to 0x20000 (its page gets a writable TLB entry), run
        ; it, then have it patch itself while it runs.
        mov esi, routine
        mov edi, 0x20000
        mov ecx, routine_end - routine
        rep movsb
        mov ebx, 0
        call 0x20000
        call 0x20000
        hlt
      routine:
        mov eax, 0x20000 + (imm - routine)
        inc dword [eax]          ; bump the immediate below, in this block
        db 0x81, 0xC3            ; add ebx, imm32
      imm:
        dd 0x100
        ret
      routine_end:)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(EBX) == 0x101 + 0x102);
      CHECK(g.read32(0x20000 + 9) == 0x102);
    }
  }
}
