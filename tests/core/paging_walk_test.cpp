// The page walk: 4 KiB and 4 MiB pages, accessed/dirty bits, and every #PF
// error code and CR2 case (Intel SDM vol. 3 chapter 4).
#include <catch2/catch.hpp>

#include "tests/core/system_guest_util.hpp"

using namespace xlat;
using namespace xlat::core;
using PT = test::PageTables;

namespace {
constexpr uint32_t PF_P = 1, PF_W = 2, PF_U = 4, PF_RSVD = 8;

void expect_pf(const test::Guest& g, uint32_t err, uint32_t cr2) {
  REQUIRE(g.fault);
  CHECK(g.fault->vector == VEC_PF);
  CHECK(g.fault->has_error);
  CHECK(g.fault->error == err);
  CHECK(uint32_t(g.cpu.s.cr2) == cr2);
}
}  // namespace

TEST_CASE("paging: identity map and a non-identity 4 KiB mapping", "[paging]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      PT pt(g);
      pt.identity_low();
      pt.map4k(0xC0001000u, 0x500000, PT::P | PT::RW);
      pt.map4k(0xC0002000u, 0x500000, PT::P | PT::RW);  // an alias of the same frame
      g.write32(0x500010, 0x12345678);
      g.load(test::nasm(test::prelude32() + R"(
        ENABLE_PAGING
        mov eax, [0xC0001010]
        mov dword [0xC0002014], 0xABCD0001   ; through the alias
        mov ebx, [0xC0001014]
        mov ecx, [0x3000]                    ; identity
        hlt)"));
      g.write32(0x3000, 0x600D);
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(EAX) == 0x12345678);
      CHECK(g.reg(EBX) == 0xABCD0001);
      CHECK(g.read32(0x500014) == 0xABCD0001);
      CHECK(g.reg(ECX) == 0x600D);
    }
  }
}

TEST_CASE("paging: 4 MiB pages with CR4.PSE, PS ignored without it", "[paging]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      PT pt(g);
      pt.map4m(0, 0, PT::P | PT::RW);
      pt.map4m(0x80400000u, 0xC00000, PT::P | PT::RW);
      g.write32(0xC00000 + 0x3FFFFC, 0xFEEDF00D);  // the last dword of the 4 MiB page
      g.load(test::nasm(test::prelude32() + R"(
        mov eax, cr4
        or eax, 0x10
        mov cr4, eax
        ENABLE_PAGING
        mov ebx, [0x807FFFFC]
        mov dword [0x80400000], 0x77
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(EBX) == 0xFEEDF00D);
      CHECK(g.read32(0xC00000) == 0x77);
      // A and D are set in the 4 MiB PDE, the last level.
      CHECK((pt.pde(0x80400000u) & (PT::A | PT::D)) == (PT::A | PT::D));
    }
  }
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e << " without PSE the PDE points to a page table") {
      test::Guest g(e);
      PT pt(g);
      pt.identity_low();
      // PDE for 0x40000000 with PS set but CR4.PSE = 0: a page table at 0x600000.
      g.write32(pt.pde_addr(0x40000000u), 0x600000 | PT::P | PT::RW | PT::PS);
      for (uint32_t a = 0x600000; a < 0x601000; a += 4) g.write32(a, 0);
      g.write32(0x600000 + 4 * 3, 0x700000 | PT::P | PT::RW);  // page 3 -> 0x700000
      g.write32(0x700008, 0x31415926);
      g.load(test::nasm(test::prelude32() + R"(
        ENABLE_PAGING
        mov eax, [0x40003008]
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(EAX) == 0x31415926);
    }
  }
}

TEST_CASE("paging: accessed and dirty bits", "[paging]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      PT pt(g);
      pt.identity_low();
      pt.map4k(0x40001000u, 0x500000, PT::P | PT::RW);
      pt.map4k(0x40002000u, 0x501000, PT::P | PT::RW);
      pt.map4k(0x40003000u, 0x502000, PT::P | PT::RW);  // never touched
      const uint32_t pde_before = pt.pde(0x40001000u);
      g.load(test::nasm(test::prelude32() + R"(
        ENABLE_PAGING
        mov eax, [0x40001000]          ; read: A only
        mov dword [0x40002000], 1      ; write: A and D
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(!(pde_before & PT::A));
      CHECK((pt.pde(0x40001000u) & (PT::A | PT::D)) == PT::A);  // D is not set in a PDE that points to a table
      CHECK((pt.pte(0x40001000u) & (PT::A | PT::D)) == PT::A);
      CHECK((pt.pte(0x40002000u) & (PT::A | PT::D)) == (PT::A | PT::D));
      CHECK((pt.pte(0x40003000u) & (PT::A | PT::D)) == 0);
      // The rest of each entry is untouched.
      CHECK((pt.pte(0x40001000u) & ~(PT::A | PT::D)) == (0x500000 | PT::P | PT::RW));
      CHECK((pt.pte(0x40002000u) & ~(PT::A | PT::D)) == (0x501000 | PT::P | PT::RW));
    }
  }
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e << " a write after a read sets D") {
      test::Guest g(e);
      PT pt(g);
      pt.identity_low();
      pt.map4k(0x40001000u, 0x500000, PT::P | PT::RW);
      g.load(test::nasm(test::prelude32() + R"(
        ENABLE_PAGING
        mov eax, [0x40001000]
        mov esi, [)" + std::to_string(pt.pte_addr(0x40001000u)) + R"(]
        mov dword [0x40001004], 5
        mov edi, [)" + std::to_string(pt.pte_addr(0x40001000u)) + R"(]
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK((g.reg(ESI) & (PT::A | PT::D)) == PT::A);
      CHECK((g.reg(EDI) & (PT::A | PT::D)) == (PT::A | PT::D));
      CHECK(g.read32(0x500004) == 5);
    }
  }
}

TEST_CASE("#PF: not-present PDE or PTE, read and write", "[paging][pf]") {
  struct Case {
    const char* insn;
    uint32_t addr, err;
  };
  const Case cases[] = {
      {"mov eax, [0x40001000]", 0x40001000, 0},     // PTE not present
      {"mov dword [0x40001ffc], 1", 0x40001ffc, PF_W},
      {"mov eax, [0x80000010]", 0x80000010, 0},     // PDE not present
      {"mov byte [0x80000011], 1", 0x80000011, PF_W},
  };
  for (const Case& k : cases) {
    for (const auto& e : test::engines()) {
      DYNAMIC_SECTION(e << " " << k.insn) {
        test::Guest g(e);
        PT pt(g);
        pt.identity_low();
        pt.map4k(0x40000000u, 0x500000, PT::P | PT::RW);  // the table exists, page 1 absent
        g.load(test::nasm(test::prelude32() + "ENABLE_PAGING\n mov ebx, 1\n " + k.insn + "\n mov ebx, 2\n hlt"));
        g.run();
        expect_pf(g, k.err, k.addr);
        CHECK(g.reg(EBX) == 1);
      }
    }
  }
}

TEST_CASE("#PF: supervisor write to a read-only page obeys CR0.WP", "[paging][pf]") {
  for (const bool wp : {false, true}) {
    for (const auto& e : test::engines()) {
      DYNAMIC_SECTION(e << (wp ? " WP=1" : " WP=0")) {
        test::Guest g(e);
        PT pt(g);
        pt.identity_low();
        pt.map4k(0x40001000u, 0x500000, PT::P);                  // read-only in the PTE
        pt.map4k(0x40801000u, 0x501000, PT::P | PT::RW, PT::P);  // read-only in the PDE
        g.load(test::nasm(test::prelude32() + R"(
          mov eax, cr0
          or eax, )" + std::to_string(wp ? cr0::WP : 0) + R"(
          mov cr0, eax
          ENABLE_PAGING
          mov dword [0x40001008], 0x99
          mov dword [0x40801008], 0x98
          hlt)"));
        g.run();
        if (wp) {
          expect_pf(g, PF_P | PF_W, 0x40001008);
          CHECK(g.read32(0x500008) == 0);
        } else {
          REQUIRE(!g.fault);
          CHECK(g.read32(0x500008) == 0x99);
          CHECK(g.read32(0x501008) == 0x98);
          CHECK((pt.pte(0x40001000u) & PT::D));
        }
      }
    }
  }
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e << " WP=1, read-only PDE") {
      test::Guest g(e);
      PT pt(g);
      pt.identity_low();
      pt.map4k(0x40801000u, 0x501000, PT::P | PT::RW, PT::P);
      g.load(test::nasm(test::prelude32() + R"(
        mov eax, cr0
        or eax, 0x10000
        mov cr0, eax
        ENABLE_PAGING
        mov eax, [0x40801008]     ; reading is fine
        mov dword [0x40801008], 0x98
        hlt)"));
      g.run();
      expect_pf(g, PF_P | PF_W, 0x40801008);
    }
  }
}

TEST_CASE("#PF: reserved bits 21:13 of a 4 MiB PDE", "[paging][pf]") {
  for (const uint32_t bit : {13u, 16u, 21u}) {
    for (const bool write : {false, true}) {
      for (const auto& e : test::engines()) {
        DYNAMIC_SECTION(e << " bit " << bit << (write ? " write" : " read")) {
          test::Guest g(e);
          PT pt(g);
          pt.map4m(0, 0, PT::P | PT::RW);
          g.write32(pt.pde_addr(0x80000000u), 0x800000 | PT::P | PT::RW | PT::PS | (1u << bit));
          g.load(test::nasm(test::prelude32() + R"(
            mov eax, cr4
            or eax, 0x10
            mov cr4, eax
            ENABLE_PAGING
            )" + (write ? "mov dword [0x80000040], 1" : "mov eax, [0x80000040]") + R"(
            hlt)"));
          g.run();
          expect_pf(g, PF_P | PF_RSVD | (write ? PF_W : 0), 0x80000040);
          CHECK(g.read32(0x800040) == 0);
        }
      }
    }
  }
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e << " bit 12 and bits 22+ are address bits, not reserved") {
      test::Guest g(e);
      PT pt(g);
      pt.map4m(0, 0, PT::P | PT::RW);
      g.write32(pt.pde_addr(0x80000000u), 0x800000 | PT::P | PT::RW | PT::PS | PT::G);
      g.write32(0x800040, 0x4242);
      g.load(test::nasm(test::prelude32() + R"(
        mov eax, cr4
        or eax, 0x10
        mov cr4, eax
        ENABLE_PAGING
        mov eax, [0x80000040]
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(EAX) == 0x4242);
    }
  }
}

// Ring 3 is entered with SYSEXIT (the code and user stack pages are user pages).
TEST_CASE("#PF: user accesses to supervisor and read-only pages", "[paging][pf][ring3]") {
  struct Case {
    const char* what;
    uint32_t pte_flags, pde_flags;
    const char* insn;
    uint32_t err;
  };
  const Case cases[] = {
      {"read supervisor page", PT::P | PT::RW, PT::P | PT::RW | PT::US, "mov eax, [0x40001010]", PF_P | PF_U},
      {"write supervisor page", PT::P | PT::RW, PT::P | PT::RW | PT::US, "mov dword [0x40001010], 1",
       PF_P | PF_U | PF_W},
      {"read page of a supervisor table", PT::P | PT::RW | PT::US, PT::P | PT::RW, "mov eax, [0x40001010]",
       PF_P | PF_U},
      {"write read-only user page", PT::P | PT::US, PT::P | PT::RW | PT::US, "mov dword [0x40001010], 1",
       PF_P | PF_U | PF_W},
      {"write page of a read-only table", PT::P | PT::RW | PT::US, PT::P | PT::US, "mov dword [0x40001010], 1",
       PF_P | PF_U | PF_W},
      {"read not-present page", 0, PT::P | PT::RW | PT::US, "mov eax, [0x40001010]", PF_U},
      {"write not-present page", 0, PT::P | PT::RW | PT::US, "mov byte [0x40001010], 1", PF_U | PF_W},
  };
  for (const Case& k : cases) {
    for (const auto& e : test::engines()) {
      DYNAMIC_SECTION(e << " " << k.what) {
        test::Guest g(e);
        test::setup_tables(g);
        PT pt(g);
        pt.identity_low(PT::P | PT::RW | PT::US);
        pt.map4k(0x40001000u, 0x500000, k.pte_flags, k.pde_flags);
        g.load(test::nasm(test::prelude32() + "ENABLE_PAGING\n TO_RING3 user\n user:\n mov ebx, 3\n " + k.insn +
                          "\n hlt"));
        g.run();
        CHECK(g.cpu.s.cpl == 3);
        CHECK(g.reg(EBX) == 3);
        expect_pf(g, k.err, 0x40001010);
        CHECK(g.read32(0x500010) == 0);
      }
    }
  }
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e << " user access to a user page works") {
      test::Guest g(e);
      test::setup_tables(g);
      PT pt(g);
      pt.identity_low(PT::P | PT::RW | PT::US);
      pt.map4k(0x40001000u, 0x500000, PT::P | PT::RW | PT::US);
      g.load(test::nasm(test::prelude32() + R"(
        ENABLE_PAGING
        TO_RING3 user
      user:
        mov dword [0x40001010], 0x1234
        mov eax, [0x40001010]
        ud2)"));
      g.run();
      REQUIRE(g.fault);
      CHECK(g.fault->vector == VEC_UD);
      CHECK(g.reg(EAX) == 0x1234);
    }
  }
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e << " user fetch from a supervisor page") {
      test::Guest g(e);
      test::setup_tables(g);
      PT pt(g);
      pt.identity_low(PT::P | PT::RW | PT::US);
      pt.map4k(0x40001000u, 0x500000, PT::P | PT::RW);
      const uint8_t code[] = {0x90, 0xF4};  // nop; hlt
      g.m.bus.copy_to(0x500000, code, sizeof code);
      g.load(test::nasm(test::prelude32() + R"(
        ENABLE_PAGING
        TO_RING3 0x40001000)"));
      g.run();
      expect_pf(g, PF_P | PF_U, 0x40001000);
      CHECK(g.fault_eip == 0x40001000);
    }
  }
}

TEST_CASE("#PF: an access crossing into a not-present page faults on the second page", "[paging][pf]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      PT pt(g);
      pt.identity_low();
      pt.map4k(0x40000000u, 0x500000, PT::P | PT::RW);  // page 1 absent
      g.load(test::nasm(test::prelude32() + R"(
        ENABLE_PAGING
        mov dword [0x40000ffe], 0x11223344
        hlt)"));
      g.run();
      expect_pf(g, PF_W, 0x40001000);
      CHECK(g.read32(0x500ffc) == 0);  // no byte was written
    }
  }
}
